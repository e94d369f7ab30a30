# loop workload as global code: add 1..N into x with 32-bit wrap, print x.
# argv: N
set count [lindex $argv 0]
set x 0
for {set i 1} {$i <= $count} {incr i} {
    set x [expr {($x + $i) & 0xFFFFFFFF}]
}
# Tcl integers do not overflow, so the mask above keeps the low 32 bits and
# this turns them into a signed value, as TTL's integers are.
if {$x >= 0x80000000} {
    set x [expr {$x - 0x100000000}]
}
puts $x
