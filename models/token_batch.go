package models

import (
	"context"
	"fmt"
)

// tokenBatchSize is how many rows one INSERT carries. A token row binds 14
// values, so 1,000 rows stay well under SQLite's limit of 32,766 variables
// per statement.
const tokenBatchSize = 1000

// CreateTokenBatch stores many tokens at once, each with its own workspaces
// (the TokenWorkspace rows), in one transaction of multi-row inserts. It is
// for seeding large data sets (benchmarks, load tests, the bench command);
// the OAuth flows issue tokens one grant at a time with CreateTokens.
func (s *Store) CreateTokenBatch(ctx context.Context, tokens []Token, workspaces []TokenWorkspace) error {
	return s.InTx(ctx, func(tx *Store) error {
		if len(tokens) > 0 {
			if err := translate(tx.conn(ctx).Omit("Grant").CreateInBatches(tokens, tokenBatchSize).Error); err != nil {
				return fmt.Errorf("store %d tokens: %w", len(tokens), err)
			}
		}
		if len(workspaces) > 0 {
			grantOf := make(map[string]string, len(tokens))
			for _, t := range tokens {
				grantOf[t.ID] = t.GrantID
			}
			for i := range workspaces {
				grant, ok := grantOf[workspaces[i].TokenID]
				if !ok {
					return fmt.Errorf("store token workspaces: token %q is not in the batch", workspaces[i].TokenID)
				}
				workspaces[i].GrantID = grant
			}
			if err := translate(tx.conn(ctx).Omit("Token", "Workspace").CreateInBatches(workspaces, tokenBatchSize).Error); err != nil {
				return fmt.Errorf("store %d token workspaces: %w", len(workspaces), err)
			}
		}
		return nil
	})
}
