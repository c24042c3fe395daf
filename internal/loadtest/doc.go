// Package loadtest measures a MUC room under load over real c2s
// connections: N clients join the room, S of them send M groupchat messages
// each at a given rate, and every client records what it receives. A run
// reports deliveries per second, latency percentiles from send to each
// receipt, lost and duplicated deliveries, and the CPU time that given
// processes (the server, the component) used meanwhile.
//
// It is the engine of examples/loadtest and is usable from tests.
package loadtest
