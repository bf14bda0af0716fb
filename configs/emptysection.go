package configs

import (
	"fmt"

	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/token"
)

// platformDocs names the page that walks through each platform section.
var platformDocs = map[string]string{
	"slack":   "docs/slack.md",
	"discord": "docs/discord.md",
}

// checkEmptySections refuses a platform section written with nothing under
// it (`slack:` whose keys are commented out, or not indented under it).
// Its presence is meant to enable the platform, but YAML reads it as null,
// the same as leaving it out: serve would start without the platform. A
// null written as such (`slack: null`, `slack: ~`) is still "off".
func checkEmptySections(body ast.Node) error {
	var pairs []*ast.MappingValueNode
	switch m := body.(type) {
	case *ast.MappingNode:
		pairs = m.Values
	case *ast.MappingValueNode:
		pairs = []*ast.MappingValueNode{m}
	}
	for _, kv := range pairs {
		if kv.Key == nil || kv.Value == nil {
			continue
		}
		name := kv.Key.GetToken().Value
		what, ok := platformDocs[name]
		if !ok {
			continue
		}
		if tk := kv.Value.GetToken(); tk == nil || tk.Type != token.ImplicitNullType {
			continue
		}
		pos := kv.Key.GetToken().Position
		return fmt.Errorf("%d:%d: %s: the section is empty, which leaves %s off: are its keys commented out, or not indented under it? Add them (%s), or remove the line",
			pos.Line, pos.Column, name, platformName(name), what)
	}
	return nil
}

func platformName(key string) string {
	if key == "slack" {
		return "Slack"
	}
	return "Discord"
}
