// Command ferretdb serves the MongoDB wire protocol on top of SQLite, using FerretDB's embeddable
// package. LCM's test harness and the embedded dev setup start it when no real MongoDB is configured.
//
// It prints one line, "ferretdb ready mongodb://HOST:PORT/", once the listener accepts connections
// (pass port 0 to let the kernel pick a free one), and exits on SIGINT/SIGTERM or when its parent dies.
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"syscall"

	"github.com/FerretDB/FerretDB/build/version"
	"github.com/FerretDB/FerretDB/ferretdb"
)

func main() {
	listen := flag.String("listen-addr", "127.0.0.1:27017", "TCP address to listen on; port 0 picks a free port")
	dataDir := flag.String("data-dir", "", "directory holding the SQLite databases (required)")
	logLevel := flag.String("log-level", "warn", "debug, info, warn or error")
	flag.Parse()

	if *dataDir == "" {
		fmt.Fprintln(os.Stderr, "ferretdb: -data-dir is required")
		os.Exit(2)
	}
	abs, err := filepath.Abs(*dataDir)
	if err == nil {
		err = os.MkdirAll(abs, 0o755)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "ferretdb: data dir:", err)
		os.Exit(1)
	}

	// Die with the process that started us (a test runner killed with SIGKILL leaves no server behind).
	dieWithParent()

	var level slog.Level
	if err := level.UnmarshalText([]byte(*logLevel)); err != nil {
		fmt.Fprintln(os.Stderr, "ferretdb: -log-level:", err)
		os.Exit(2)
	}

	// Built as a library, FerretDB cannot find its version file: report the module version instead.
	if info, ok := debug.ReadBuildInfo(); ok {
		for _, dep := range info.Deps {
			if dep.Path == "github.com/FerretDB/FerretDB" {
				version.Get().Version = dep.Version
			}
		}
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	f, err := ferretdb.New(&ferretdb.Config{
		Listener:  ferretdb.ListenerConfig{TCP: *listen},
		Handler:   "sqlite",
		SQLiteURL: "file:" + abs + "/",
		Logger:    slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level})),
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, "ferretdb:", err)
		os.Exit(1)
	}

	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := f.Run(ctx); err != nil {
			fmt.Fprintln(os.Stderr, "ferretdb:", err)
		}
	}()

	// MongoDBURI blocks until the TCP listener is bound.
	fmt.Printf("ferretdb ready %s\n", f.MongoDBURI())
	<-done
}
