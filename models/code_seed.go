package models

import (
	"context"
	"fmt"
)

// codeBatchSize is how many rows one INSERT carries. A code row binds 14
// values, so 1,000 rows stay well under SQLite's limit of 32,766 variables
// per statement.
const codeBatchSize = 1000

// CreateCodeBatch stores many authorization codes at once, in one
// transaction of multi-row inserts. It is for seeding large data sets (the
// bench command's growth workload); the flows issue codes one at a time
// with CreateCode.
func (s *Store) CreateCodeBatch(ctx context.Context, codes []AuthCode) error {
	if len(codes) == 0 {
		return nil
	}
	return s.InTx(ctx, func(tx *Store) error {
		if err := translate(tx.conn(ctx).CreateInBatches(codes, codeBatchSize).Error); err != nil {
			return fmt.Errorf("store %d authorization codes: %w", len(codes), err)
		}
		return nil
	})
}
