// Package e2e holds the tests that run the services together: the real
// frontend and backend, MariaDB servers started by dbserver and, for the
// drills, the DNS server in front of them (dbserver/dnsserver). It is the
// one module allowed to import all of them; the services themselves import
// only the contract.
package e2e
