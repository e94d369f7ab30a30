"""sendfile reference: the line 'go', then a file with socket.sendfile.

    python sendfile_bare.py PORT FILE
"""

import socket
import sys

port = int(sys.argv[1])
with socket.create_connection(("127.0.0.1", port), timeout=120) as sock, open(sys.argv[2], "rb") as data:
    sock.sendall(b"go\r\n")
    sock.sendfile(data)
