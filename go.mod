module github.com/xmppfmuc/fmuc

go 1.26.0

require (
	github.com/google/uuid v1.1.1 // indirect
	github.com/stretchr/testify v1.12.1 // indirect
	go.uber.org/goleak v1.3.0 // indirect
	go.yaml.in/yaml/v3 v3.0.5 // indirect
	golang.org/x/net v0.62.0 // indirect
	golang.org/x/sync v0.25.0 // indirect
	golang.org/x/text v0.44.0 // indirect
	golang.org/x/xerrors v0.0.0-20190717185122-a985d3407aa7 // indirect
	gosrc.io/xmpp v0.5.1 // indirect
	nhooyr.io/websocket v1.6.5 // indirect
)
