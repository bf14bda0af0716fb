package main

import "context"

// runRegisterCommands is `paperbot register-commands`.
func runRegisterCommands(ctx context.Context, e *env, args []string) error {
	return errNotYet("register-commands")
}
