package configs

import "time"

// Digest configures the daily trending digest.
type Digest struct {
	// Grace is how late a missed post may still be made on start-up (default 6h).
	Grace time.Duration `yaml:"grace"`
}

func (d *Digest) finish(env func(string) string) error {
	if d.Grace == 0 {
		d.Grace = 6 * time.Hour
	}
	return nil
}
