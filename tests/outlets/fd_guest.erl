%% fd_guest: the guest side of tests/outlets/fd_contract.c. Adopts the guest contract's two
%% descriptors the way guest/apps/zerg_web does on zvm (gen_tcp:fdopen/2), reads the control
%% channel message by message, says ready, then answers one request on the connection with
%% what it saw, so the C side can check message boundaries, the family fallback and the data.
-module(fd_guest).
-export([main/0]).

-define(OPTS, [binary, {active, false}, {packet, raw}, {exit_on_close, false}]).

main() ->
    try run() of
        ok -> erlang:halt(0)
    catch C:R:St ->
        io:format(standard_error, "fd_guest: ~p:~p ~p~n", [C, R, St]),
        erlang:halt(3)
    end.

run() ->
    {ok, Ctl} = gen_tcp:fdopen(4, [local | ?OPTS]),
    {ok, Params} = gen_tcp:recv(Ctl, 0, 5000),
    Kv = [list_to_tuple(string:split(L, "=")) || L <- string:lexemes(binary_to_list(Params), "\n")],
    Instance = proplists:get_value("instance", Kv),
    PrefixBytes = list_to_integer(proplists:get_value("prefix_bytes", Kv)),
    Chunks = recv_prefix(Ctl, PrefixBytes, []),
    {Family, Conn} =
        case gen_tcp:fdopen(3, ?OPTS) of
            {ok, S} -> {inet, S};
            {error, einval} ->
                {ok, S} = gen_tcp:fdopen(3, [local | ?OPTS]),
                {local, S}
        end,
    ok = gen_tcp:send(Ctl, <<"ready\n">>),
    ok = gen_tcp:close(Ctl),
    {ok, Req} = gen_tcp:recv(Conn, 0, 5000),
    Reply = io_lib:format("instance=~s params=~w chunks=~w prefix=~s family=~s got=~s",
                          [Instance, byte_size(Params), [byte_size(C) || C <- Chunks],
                           iolist_to_binary(Chunks), Family, Req]),
    ok = gen_tcp:send(Conn, Reply),
    ok = gen_tcp:close(Conn),
    ok.

recv_prefix(_Ctl, 0, Acc) -> lists:reverse(Acc);
recv_prefix(Ctl, N, Acc) ->
    {ok, Chunk} = gen_tcp:recv(Ctl, 0, 5000),
    recv_prefix(Ctl, N - byte_size(Chunk), [Chunk | Acc]).
