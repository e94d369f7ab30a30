# strings workload inside a proc, where Tcl keeps variables in local slots.
# argv: N
proc run {count} {
    set found 0
    set total 0
    for {set i 1} {$i <= $count} {incr i} {
        set line [format "item %05d" $i]
        append line " tail"
        incr found [expr {[string first "tail" $line] + 1}]
        incr total [string length $line]
    }
    return "$found $total"
}
puts [run [lindex $argv 0]]
