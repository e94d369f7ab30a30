# startup workload: an empty Tcl script, to show tclsh's own start-up time.
