package models

import (
	"regexp"
	"strconv"
	"testing"
)

// SQLite numbers $n parameters in the order they first appear in the
// statement, not by n, and the driver binds arguments by that number: a
// statement whose $2 comes before its $1 would silently get its arguments
// swapped on SQLite (and work on PostgreSQL). Every hand-written statement
// must therefore introduce $1, $2, … in order.
func TestHotStatementsIntroduceParametersInOrder(t *testing.T) {
	param := regexp.MustCompile(`\$(\d+)`)
	all := append(append(append([]string{}, hotQueries...), hotSQLiteQueries...), hotPostgresQueries...)
	for _, q := range all {
		next := 1
		for _, m := range param.FindAllStringSubmatch(q, -1) {
			n, _ := strconv.Atoi(m[1])
			switch {
			case n == next:
				next++
			case n > next:
				t.Errorf("$%d appears before $%d in:\n%s", n, next, q)
			}
		}
	}
}
