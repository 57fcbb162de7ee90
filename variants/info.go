package variants

import "github.com/authbench/authbench"

// String names the store as Info.Store records it.
func (s Store) String() string {
	switch s {
	case RedisStore:
		return "redis"
	case CachedRedisStore:
		return "redis-cached"
	case ProcessStore:
		return "process"
	}
	return "none"
}

// Info is b's own Info with the registry's facts added: the bounds with
// their unit for cfg, the store, the colour and marker. A server answers
// this on GET /info, so every results file carries what its report says
// of the variant, whatever the registry says later.
func (v Variant) Info(b authbench.Backend, cfg Config) authbench.Info {
	info := b.Info()
	lo, ru := v.Bounds(cfg)
	info.LogoutBound, info.RevokeUserBound = &lo, &ru
	info.Store = v.Store.String()
	info.Colour, info.Marker = v.Colour, v.Marker
	return info
}
