package models_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/consentry/consentry/models"
	"github.com/consentry/consentry/models/storetest"
)

func TestInstancesStartingTogetherShareOneFirstSigningKey(t *testing.T) {
	ctx := context.Background()
	dsn := freshDSN(t)
	const instances = 4
	stores := make([]*models.Store, instances)
	for i := range stores {
		stores[i] = storetest.OpenDSN(t, dsn)
	}
	var wg sync.WaitGroup
	got := make([][]models.SigningKey, instances)
	errs := make([]error, instances)
	start := make(chan struct{})
	for i, s := range stores {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			got[i], errs[i] = s.EnsureSigningKeys(ctx, func() (models.SigningKey, error) {
				return models.SigningKey{ID: fmt.Sprintf("key-of-instance-%d", i), Algorithm: "ES256",
					PrivateKey: []byte("not a real key"), CreatedAt: time.Now()}, nil
			})
		}()
	}
	close(start)
	wg.Wait()
	for i := range stores {
		if errs[i] != nil {
			t.Fatalf("instance %d: %v", i, errs[i])
		}
		if len(got[i]) != 1 || got[i][0].ID != got[0][0].ID {
			t.Fatalf("instance %d sees keys %v, instance 0 %v: want one key, the same everywhere", i, keyIDs(got[i]), keyIDs(got[0]))
		}
	}
	stored, err := stores[0].SigningKeys(ctx)
	if err != nil || len(stored) != 1 {
		t.Fatalf("stored keys = %v, %v; want exactly one", keyIDs(stored), err)
	}
}

func keyIDs(keys []models.SigningKey) []string {
	ids := make([]string, len(keys))
	for i, k := range keys {
		ids[i] = k.ID
	}
	return ids
}
