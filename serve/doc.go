// Package serve is what sockit does with one connection once it has it,
// whether it dialled it (connect --exec) or accepted it (listen): echo it
// back, run a program on it, or join it to the clients of a keep-open
// listener (fan-out, broker, chat). Each handler has the shape
// func(ctx context.Context, c *pipe.Conn) error, owns c and closes it;
// ctx ends when the server (or the run) stops. How connections are made,
// accepted, limited and refused is connect's and listen's business: serve
// imports only pipe.
package serve
