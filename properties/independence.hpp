#pragma once
// Independence of the scheduler's steps, derived from what each reads and
// writes. Two enabled steps are independent when neither disables the other
// and taking them in either order gives the same world. Conservative: a pair
// that might not commute is dependent.
//
//   process(c)    reads c's link; writes the server, c's link, and appends
//                 to the incoming queues of the stanzas' recipients
//   send(c)       moves c's next input from its backlog to its empty link
//   deliver(c)    takes the oldest stanza of c's incoming queue
//   drop(c), reconnect(c)  write the server and everything of c's
//
// So: two steps that both touch the server are dependent; a send is
// dependent on the steps of its own client that touch the link; a delivery
// is dependent only on another delivery to, or a fault of, the same client.
// Appending to a queue commutes with taking its oldest element when the
// queue is not empty, which an enabled delivery guarantees.
// tests/independence_test.cpp checks the claim on generated worlds.

#include "sim/choices.hpp"

namespace mucsim::properties {

bool independent(const sim::Choice& a, const sim::Choice& b);

}  // namespace mucsim::properties
