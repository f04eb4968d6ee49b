package models

import (
	"context"
	"fmt"
	"strings"
)

// maxRowsPerInsert bounds the rows of one multi-row INSERT, and so the
// number of distinct statements (one per row count) each is prepared as.
const maxRowsPerInsert = 16

// multiRowInsert is an INSERT … VALUES whose statement text, for 1 to
// maxRowsPerInsert rows, is built once up front: "(… $n), (…)" with
// columns placeholders per row.
type multiRowInsert struct {
	columns int
	byRows  [maxRowsPerInsert + 1]string
}

// newMultiRowInsert returns the statements for prefix ("INSERT INTO t (a,
// b) VALUES ") with columns values per row, each registered as hot: they
// run inside transactions, where a statement not prepared up front would be
// prepared anew in each.
func newMultiRowInsert(prefix string, columns int) *multiRowInsert {
	m := &multiRowInsert{columns: columns}
	for rows := 1; rows <= maxRowsPerInsert; rows++ {
		var b strings.Builder
		b.WriteString(prefix)
		for r := range rows {
			if r > 0 {
				b.WriteString(", ")
			}
			b.WriteByte('(')
			for c := range columns {
				if c > 0 {
					b.WriteString(", ")
				}
				fmt.Fprintf(&b, "$%d", r*columns+c+1)
			}
			b.WriteByte(')')
		}
		m.byRows[rows] = hot(b.String())
	}
	return m
}

// insertRows inserts the rows whose values args holds, row after row, in as
// few statements as maxRowsPerInsert allows.
func (s *Store) insertRows(ctx context.Context, m *multiRowInsert, args []any) error {
	if len(args)%m.columns != 0 {
		return fmt.Errorf("insert rows: %d values do not make rows of %d columns", len(args), m.columns)
	}
	for len(args) > 0 {
		rows := min(len(args)/m.columns, maxRowsPerInsert)
		if _, err := s.execSQL(ctx, m.byRows[rows], args[:rows*m.columns]...); err != nil {
			return err
		}
		args = args[rows*m.columns:]
	}
	return nil
}
