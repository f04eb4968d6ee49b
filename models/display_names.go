package models

import (
	"context"
	"fmt"
	"slices"
)

// NameIDs are the ids a page mentions, to be turned into names in one go.
type NameIDs struct {
	Users      []string
	Clients    []string
	Workspaces []string
	APIKeys    []string
}

// DisplayNames are what people read for ids. An id missing from a map no
// longer exists (or was never valid).
type DisplayNames struct {
	Users      map[string]UserName
	Clients    map[string]string
	Workspaces map[string]string
	// APIKeys are key names by key id.
	APIKeys map[string]string
}

// UserName is how a user is shown.
type UserName struct {
	Name  string
	Email string
}

// nameChunk bounds the ids of one IN list, well under every database's
// limit on bound variables.
const nameChunk = 500

// DisplayNames looks up the names of every id in ids with one query per
// kind of record (none for an empty set), however many rows mention them:
// a page of audit events costs at most four queries, not one per row.
func (s *Store) DisplayNames(ctx context.Context, ids NameIDs) (DisplayNames, error) {
	out := DisplayNames{
		Users: map[string]UserName{}, Clients: map[string]string{},
		Workspaces: map[string]string{}, APIKeys: map[string]string{},
	}
	type row struct{ ID, Name, Email string }
	lookups := []struct {
		table, columns string
		ids            []string
		put            func(row)
	}{
		{"users", "id, name, email", ids.Users, func(r row) { out.Users[r.ID] = UserName{Name: r.Name, Email: r.Email} }},
		{"clients", "id, name", ids.Clients, func(r row) { out.Clients[r.ID] = r.Name }},
		{"workspaces", "id, name", ids.Workspaces, func(r row) { out.Workspaces[r.ID] = r.Name }},
		{"api_keys", "id, name", ids.APIKeys, func(r row) { out.APIKeys[r.ID] = r.Name }},
	}
	for _, l := range lookups {
		set := distinct(l.ids)
		for chunk := range slices.Chunk(set, nameChunk) {
			var rows []row
			if err := s.conn(ctx).Table(l.table).Select(l.columns).Where("id IN ?", chunk).Scan(&rows).Error; err != nil {
				return DisplayNames{}, fmt.Errorf("look up %s names: %w", l.table, translate(err))
			}
			for _, r := range rows {
				l.put(r)
			}
		}
	}
	return out, nil
}

// distinct is ids without blanks and repeats, sorted.
func distinct(ids []string) []string {
	out := make([]string, 0, len(ids))
	for _, id := range ids {
		if id != "" {
			out = append(out, id)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}
