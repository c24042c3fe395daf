package mucnode_test

import (
	"fmt"
	"os"

	"github.com/xmppfmuc/fmuc/examples/node/mucnode"
)

// ExampleParseArgs reads the configuration the way the node command does:
// flags over the config file, the secret from the environment.
func ExampleParseArgs() {
	getenv := func(k string) string {
		if k == mucnode.SecretEnv {
			return "s3cr3t"
		}
		return ""
	}
	cfg, err := mucnode.ParseArgs([]string{
		"-server", "127.0.0.1:5347", "-domain", "rooms.wonderland.lit",
		"-room-moderated", "-room-history", "50",
	}, getenv, os.Stderr)
	if err != nil {
		fmt.Println(err, "exit code", mucnode.ExitCode(err))
		return
	}
	rooms, _ := cfg.RoomConfig()
	fmt.Println(cfg.Domain, "via", cfg.Server)
	fmt.Println("moderated:", rooms.Moderated, "history:", rooms.HistoryLength, "public:", rooms.Public)

	_, err = mucnode.ParseArgs([]string{"-domain", "rooms.wonderland.lit"}, getenv, os.Stderr)
	fmt.Println("exit code", mucnode.ExitCode(err))
	// Output:
	// rooms.wonderland.lit via 127.0.0.1:5347
	// moderated: true history: 50 public: true
	// exit code 2
}

// ExampleParseArgs_federation configures the rooms of talk.denmark.lit to
// join the rooms of the same name on rooms.wonderland.lit, elsinore to
// join rabbithole there, and admits the rooms of talk.norway.lit.
func ExampleParseArgs_federation() {
	getenv := func(k string) string {
		if k == mucnode.SecretEnv {
			return "s3cr3t"
		}
		return ""
	}
	cfg, err := mucnode.ParseArgs([]string{
		"-server", "127.0.0.1:5347", "-domain", "talk.denmark.lit",
		"-federate-with", "rooms.wonderland.lit",
		"-federate-rooms", "elsinore=rabbithole@rooms.wonderland.lit",
		"-federation-mode", "master-slave", "-federation-allow", "talk.norway.lit",
	}, getenv, os.Stderr)
	if err != nil {
		fmt.Println(err)
		return
	}
	f := cfg.Federation
	fmt.Println("with:", f.With, "rooms:", f.Rooms, "mode:", f.Mode, "allow:", f.Allow)

	_, err = mucnode.ParseArgs([]string{"-server", "127.0.0.1:5347", "-domain", "talk.denmark.lit", "-federation-mode", "chaos"}, getenv, os.Stderr)
	fmt.Println(err)
	// Output:
	// with: rooms.wonderland.lit rooms: map[elsinore:rabbithole@rooms.wonderland.lit] mode: master-slave allow: [talk.norway.lit]
	// mucnode: bad configuration: federation mode "chaos": want master-master or master-slave
}
