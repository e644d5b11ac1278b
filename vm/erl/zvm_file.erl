%% zvm_file: the stand-in for OTP's file server (file_server_2). An instance has no file system
%% of its own: its code comes through the platform (zplat_code_find) and the sandbox's root is
%% empty and read-only. Stock code that reads or lists files (the compiler quoting a source line
%% in a warning, filelib) calls `file`, which asks file_server_2 with gen_server calls; this
%% server answers every such request {error, enotsup}, so those callers take their error path
%% instead of crashing on a missing server.
-module(zvm_file).
-export([start/0, server/0]).

start() ->
    Pid = spawn(?MODULE, server, []),
    true = register(file_server_2, Pid),
    Pid.

server() ->
    receive
        {'$gen_call', From, _Request} ->
            gen:reply(From, {error, enotsup});
        _ ->
            ok
    end,
    server().
