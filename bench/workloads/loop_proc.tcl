# loop workload inside a proc, where Tcl keeps variables in local slots.
# argv: N
proc run {count} {
    set x 0
    for {set i 1} {$i <= $count} {incr i} {
        set x [expr {($x + $i) & 0xFFFFFFFF}]
    }
    if {$x >= 0x80000000} {
        set x [expr {$x - 0x100000000}]
    }
    return $x
}
puts [run [lindex $argv 0]]
