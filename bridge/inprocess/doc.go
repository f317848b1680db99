// Package inprocess owns starting a mock inside the running process, on a loopback port, seeded
// with a fixtures document and with a token minted for one of its locations: the mock the drift
// report compares the live API with, and the server the bridge's tests record through.
//
// inprocess is the only bridge package that imports mockserver, and it uses only mockserver's
// exported entry points (New, Config, Server.MintToken, the scope names), so that the mock's
// inside can be rearranged without touching it. It never imports contract or suites.
package inprocess
