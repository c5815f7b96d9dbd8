// Package data embeds what the binary carries with it: the SQL migrations and the
// demo content. At run time this folder also holds the default database and key
// file (git-ignored).
package data

import (
	"embed"
	"io/fs"
)

//go:embed migrations/*.sql
var migrations embed.FS

//go:embed migrations/postgres/*.sql
var postgresMigrations embed.FS

//go:embed all:demo
var demo embed.FS

// Migrations holds SQLite's NNNN_name.sql files at its root, applied in order.
func Migrations() fs.FS { return sub(migrations, "migrations") }

// MigrationsFor is the migrations of engine ("sqlite" or "postgres",
// store.DB.Engine). PostgreSQL's set has the same numbers and names as
// SQLite's (schema_migrations agrees across engines) and the same tables and
// columns in PostgreSQL's types.
func MigrationsFor(engine string) fs.FS {
	if engine == "postgres" {
		return sub(postgresMigrations, "migrations/postgres")
	}
	return Migrations()
}

// Demo holds the demo help articles as LANG/KEY.md files at its root.
func Demo() fs.FS { return sub(demo, "demo") }

func sub(f embed.FS, dir string) fs.FS {
	s, err := fs.Sub(f, dir)
	if err != nil {
		panic(err) // the directories are fixed at compile time
	}
	return s
}
