package loadtest

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/authbench/authbench"
)

// variantInfo asks the server at base what its variant promises (GET
// /info), so results record the Info the variant ran with rather than
// what today's code would say of it.
func variantInfo(ctx context.Context, client *http.Client, base string) (*authbench.Info, error) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/info", nil)
	if err != nil {
		return nil, err
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s/info: %s", base, resp.Status)
	}
	var info authbench.Info
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<16)).Decode(&info); err != nil {
		return nil, fmt.Errorf("GET %s/info: %w", base, err)
	}
	return &info, nil
}
