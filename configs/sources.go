package configs

// SourcesConf configures where papers come from and how often.
type SourcesConf struct {
	// Files are JSON Lines or trending-format files ingested at start-up.
	Files []string `yaml:"files"`
}

func (s *SourcesConf) finish(env func(string) string) error { return nil }
