%% zerg_web: the entry points.
%%   main/0  one zerg instance (`-run zerg_web main`): the guest contract on fds 3 and 4
%%           (docs/guest-contract.md), one request served, then the VM halts. Exit status 0
%%           when the connection was served (whatever the HTTP status), 1 when the contract
%%           failed (the spawner counts that as a boot failure or a crash).
%%   dev/1   development (`-run zerg_web dev PORT`): listens on 127.0.0.1:PORT and serves each
%%           connection in a process of its own, as an instance would, without halting.
-module(zerg_web).
-export([main/0, dev/1]).

-define(CONTROL_TIMEOUT_MS, 5000).

main() ->
    Status = try instance(zerg_web_io:backend())
             catch Class:Reason:Stack ->
                     io:format(standard_error, "zerg_web: ~p:~p ~p~n", [Class, Reason, Stack]),
                     1
             end,
    erlang:halt(Status).

instance(Backend) ->
    case zerg_web_io:open_control(Backend) of
        {ok, Ctl} ->
            case zerg_web_contract:read(Ctl, ?CONTROL_TIMEOUT_MS) of
                {ok, Params} -> start(Backend, Ctl, Params);
                {error, Why} -> fail("control channel", Why)
            end;
        {error, Why} -> fail("control channel", Why)
    end.

%% Ready only once the application runs and the connection is adopted: then it can serve.
start(Backend, Ctl, #{instance := Id, prefix := Prefix} = Params) ->
    case start_app(Params) of
        ok ->
            case zerg_web_io:open_connection(Backend) of
                {ok, Conn} ->
                    case zerg_web_contract:ready(Ctl) of
                        ok ->
                            zerg_web_io:control_close(Ctl),
                            _ = zerg_web_serve:serve(Conn, Prefix, Id),
                            0;
                        {error, Why} -> fail("readiness", Why)
                    end;
                {error, Why} -> fail("connection", Why)
            end;
        {error, Why} -> fail("application start", Why)
    end.

fail(What, Why) ->
    io:format(standard_error, "zerg_web: ~s: ~p~n", [What, Why]),
    1.

start_app(Params) ->
    ok = application:load(zerg_web),
    [ok = application:set_env(zerg_web, K, maps:get(K, Params)) || K <- [instance, daemon, peer]],
    application:start(zerg_web).

dev([PortArg]) ->
    Port = list_to_integer(PortArg),
    ok = start_app(#{instance => <<"dev">>, daemon => <<"dev">>, peer => <<"">>}),
    {ok, L} = gen_tcp:listen(Port, [binary, {active, false}, {packet, raw},
                                    {ip, {127, 0, 0, 1}}, {reuseaddr, true}]),
    io:format("zerg_web: serving http://127.0.0.1:~B/ (one process per connection)~n", [Port]),
    accept_loop(L, 1).

accept_loop(L, N) ->
    case gen_tcp:accept(L) of
        {ok, S} ->
            Id = integer_to_binary(N),
            Pid = spawn(fun() ->
                            receive go -> ok end,
                            zerg_web_serve:serve(zerg_web_io:from_gen_tcp(S), <<>>,
                                                 <<"dev-", Id/binary>>)
                        end),
            ok = gen_tcp:controlling_process(S, Pid),
            Pid ! go,
            accept_loop(L, N + 1);
        {error, Why} ->
            io:format(standard_error, "zerg_web: accept: ~p~n", [Why]),
            erlang:halt(1)
    end.
