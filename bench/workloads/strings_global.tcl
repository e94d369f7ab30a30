# strings workload as global code: format, append, string first and
# string length, N rounds. Positions are 1-based, as strscan's are.
# argv: N
set count [lindex $argv 0]
set found 0
set total 0
for {set i 1} {$i <= $count} {incr i} {
    set line [format "item %05d" $i]
    append line " tail"
    incr found [expr {[string first "tail" $line] + 1}]
    incr total [string length $line]
}
puts "$found $total"
