%% gen_tcp, inet and ports over loopback: listen/connect/accept, send/recv in every mode, closed
%% peers, timeouts, big transfers with back-pressure, controlling_process, fdopen, port BIFs.
%% Results never show port numbers, pids, ports or fds, so a case prints the same line on zvm
%% and on stock erl. Every case closes what it opened.
-module(t_tcp).
-export([t_passive_echo/0, t_recv_length/0, t_recv_timeout/0, t_recv_timeout_zero/0,
         t_closed_peer_passive/0, t_closed_peer_partial/0, t_active_true/0, t_active_once/0,
         t_active_n/0, t_list_mode/0, t_packet_1/0, t_packet_2/0, t_packet_4/0,
         t_packet_line/0, t_packet_too_big/0, t_big_transfer/0,
         t_controlling_process/0, t_controlling_process_not_owner/0,
         t_half_close_answered/0, t_owner_exit_closes/0, t_close_flushes/0, t_names/0,
         t_getopts_defaults/0, t_setopts_einval/0, t_connect_refused/0, t_accept_timeout/0,
         t_accept_many/0, t_port_info/0, t_send_after_close/0, t_fdopen_not_socket/0,
         t_fdopen_socket/0, t_local_stream/0, t_port_close_message/0, t_port_badarg/0,
         t_getstat/0, t_connect_localhost/0, t_exit_on_close_active/0, t_console_port/0,
         t_trap_exit_port/0, t_recv_in_other_process/0, t_active_after_close/0,
         t_recv_queued/0]).

%% A connected pair {Listen, Client, Server} with options for both ends.
pair(Opts) -> pair(Opts, Opts).

pair(COpts, SOpts) ->
    {ok, L} = gen_tcp:listen(0, [binary, {active, false}, {reuseaddr, true} | SOpts]),
    {ok, Port} = inet:port(L),
    {ok, C} = gen_tcp:connect({127, 0, 0, 1}, Port, [binary, {active, false} | COpts]),
    {ok, S} = gen_tcp:accept(L, 2000),
    {L, C, S}.

close_all(Ss) -> [gen_tcp:close(S) || S <- Ss], ok.

%% Receives exactly N bytes in passive mode.
recv_n(S, N) -> recv_n(S, N, []).
recv_n(_S, 0, Acc) -> iolist_to_binary(lists:reverse(Acc));
recv_n(S, N, Acc) ->
    case gen_tcp:recv(S, 0, 5000) of
        {ok, B} -> recv_n(S, N - byte_size(B), [B | Acc]);
        Other -> {error, Other, iolist_size(Acc)}
    end.

%% Collects active-mode data until N bytes came.
collect(S, N) -> collect(S, N, []).
collect(_S, N, Acc) when N =< 0 -> iolist_to_binary(lists:reverse(Acc));
collect(S, N, Acc) ->
    receive
        {tcp, S, B} -> collect(S, N - iolist_size(B), [B | Acc])
    after 5000 -> {timeout, iolist_size(Acc)}
    end.

t_passive_echo() ->
    {L, C, S} = pair([]),
    ok = gen_tcp:send(C, <<"ping">>),
    R1 = gen_tcp:recv(S, 0, 2000),
    ok = gen_tcp:send(S, [<<"po">>, "n", [$g]]),
    R2 = gen_tcp:recv(C, 4, 2000),
    close_all([C, S, L]),
    [R1, R2].

t_recv_length() ->
    {L, C, S} = pair([]),
    ok = gen_tcp:send(C, "hello"),
    ok = gen_tcp:send(C, " world"),
    R1 = gen_tcp:recv(S, 3, 2000),
    R2 = gen_tcp:recv(S, 8, 2000),
    close_all([C, S, L]),
    [R1, R2].

t_recv_timeout() ->
    {L, C, S} = pair([]),
    T0 = erlang:monotonic_time(millisecond),
    R1 = gen_tcp:recv(S, 0, 60),
    T1 = erlang:monotonic_time(millisecond),
    ok = gen_tcp:send(C, "late"),
    R2 = gen_tcp:recv(S, 0, 2000),
    close_all([C, S, L]),
    [R1, T1 - T0 >= 60, R2].

t_recv_timeout_zero() ->
    {L, C, S} = pair([]),
    R = gen_tcp:recv(S, 0, 0),
    close_all([C, S, L]),
    R.

t_closed_peer_passive() ->
    {L, C, S} = pair([]),
    ok = gen_tcp:send(C, <<"hello">>),
    ok = gen_tcp:close(C),
    R1 = gen_tcp:recv(S, 0, 2000),
    R2 = gen_tcp:recv(S, 0, 2000),
    R3 = gen_tcp:recv(S, 0, 2000),
    R4 = gen_tcp:send(S, <<"x">>),
    close_all([S, L]),
    [R1, R2, R3, R4].

t_closed_peer_partial() ->
    {L, C, S} = pair([]),
    ok = gen_tcp:send(C, <<"abc">>),
    ok = gen_tcp:close(C),
    R1 = gen_tcp:recv(S, 10, 2000),
    R2 = gen_tcp:recv(S, 0, 2000),
    close_all([S, L]),
    [R1, R2].

t_active_true() ->
    {L, C, S} = pair([], [{active, true}]),
    ok = inet:setopts(S, [{active, true}]),
    ok = gen_tcp:send(C, <<"0123456789">>),
    D = collect(S, 10),
    ok = gen_tcp:close(C),
    Closed = receive {tcp_closed, S} -> closed after 2000 -> none end,
    Info = erlang:port_info(S, connected),
    close_all([S, L]),
    [D, Closed, Info].

t_active_once() ->
    {L, C, S} = pair([{packet, 2}], [{packet, 2}]),
    ok = inet:setopts(S, [{active, once}]),
    ok = gen_tcp:send(C, <<"one">>),
    ok = gen_tcp:send(C, <<"two">>),
    M1 = receive {tcp, S, B1} -> B1 after 2000 -> none end,
    M2 = receive {tcp, S, B2} -> B2 after 100 -> none end,
    A = inet:getopts(S, [active]),
    ok = inet:setopts(S, [{active, once}]),
    M3 = receive {tcp, S, B3} -> B3 after 2000 -> none end,
    close_all([C, S, L]),
    [M1, M2, A, M3].

t_active_n() ->
    {L, C, S} = pair([{packet, 2}], [{packet, 2}]),
    ok = inet:setopts(S, [{active, 2}]),
    A0 = inet:getopts(S, [active]),
    [ok = gen_tcp:send(C, [N]) || N <- [1, 2, 3]],
    M1 = receive {tcp, S, X1} -> X1 after 2000 -> none end,
    M2 = receive {tcp, S, X2} -> X2 after 2000 -> none end,
    P = receive {tcp_passive, S} -> passive after 2000 -> none end,
    A1 = inet:getopts(S, [active]),
    M3 = receive {tcp, S, X3} -> X3 after 100 -> none end,
    ok = inet:setopts(S, [{active, 1}]),
    M4 = receive {tcp, S, X4} -> X4 after 2000 -> none end,
    P2 = receive {tcp_passive, S} -> passive after 2000 -> none end,
    ok = inet:setopts(S, [{active, 0}]),
    P3 = receive {tcp_passive, S} -> passive after 200 -> none end,
    E = inet:setopts(S, [{active, 40000}]),
    close_all([C, S, L]),
    [A0, M1, M2, P, A1, M3, M4, P2, P3, E].

t_list_mode() ->
    {L, C, S} = pair([], [list]),
    ok = inet:setopts(S, [list]),
    ok = gen_tcp:send(C, <<"abc">>),
    R1 = gen_tcp:recv(S, 3, 2000),
    ok = inet:setopts(S, [{active, once}]),
    ok = gen_tcp:send(C, <<"de">>),
    R2 = receive {tcp, S, D} -> D after 2000 -> none end,
    M = inet:getopts(S, [mode]),
    close_all([C, S, L]),
    [R1, R2, M].

packet(N) ->
    {L, C, S} = pair([{packet, N}], [{packet, N}]),
    Payloads = [<<>>, <<"a">>, binary:copy(<<"xy">>, 100)],
    [ok = gen_tcp:send(C, P) || P <- Payloads],
    Got = [gen_tcp:recv(S, 0, 2000) || _ <- Payloads],
    %% the wire carries the length header: read it raw on the other side
    ok = gen_tcp:send(S, <<"back">>),
    ok = inet:setopts(C, [{packet, raw}]),
    Raw = gen_tcp:recv(C, 0, 2000),
    close_all([C, S, L]),
    [Got, Raw].

t_packet_1() -> packet(1).
t_packet_2() -> packet(2).
t_packet_4() -> packet(4).

t_packet_line() ->
    {L, C, S} = pair([], [{packet, line}]),
    ok = gen_tcp:send(C, <<"first line\nsecond">>),
    ok = gen_tcp:send(C, <<" line\nthird\n">>),
    Got = [gen_tcp:recv(S, 0, 2000) || _ <- [1, 2, 3]],
    ok = inet:setopts(S, [{active, once}]),
    ok = gen_tcp:send(C, <<"fourth\n">>),
    M = receive {tcp, S, D} -> D after 2000 -> none end,
    close_all([C, S, L]),
    [Got, M].

t_packet_too_big() ->
    {L, C, S} = pair([], [{packet, 2}, {packet_size, 10}]),
    ok = gen_tcp:send(C, <<0, 20, "01234567890123456789">>),
    R = gen_tcp:recv(S, 0, 2000),
    close_all([C, S, L]),
    R.

%% 8 MiB one way while the reader starts late: the writer blocks on the full queue
%% (gen_tcp:send waits), then everything arrives intact.
t_big_transfer() ->
    {L, C, S} = pair([]),
    Chunk = list_to_binary([X band 255 || X <- lists:seq(1, 65536)]),
    Self = self(),
    W = spawn(fun() ->
                      R = [gen_tcp:send(C, Chunk) || _ <- lists:seq(1, 128)],
                      Self ! {sent, lists:usort(R)}
              end),
    ok = gen_tcp:controlling_process(C, W),
    timer:sleep(100),
    Early = receive {sent, _} -> too_early after 0 -> waiting end,
    Data = recv_n(S, 128 * 65536),
    Sent = receive {sent, X} -> X after 5000 -> none end,
    Same = Data =:= binary:copy(Chunk, 128),
    close_all([S, L]),
    W ! done,
    [Early, Sent, byte_size(Data), Same].

t_controlling_process() ->
    {L, C, S} = pair([]),
    Self = self(),
    P = spawn(fun() ->
                      receive go -> ok end,
                      ok = inet:setopts(S, [{active, once}]),
                      receive
                          {tcp, S, D} -> Self ! {got, D, erlang:port_info(S, connected) =:= {connected, self()}}
                      after 2000 -> Self ! {got, none, false}
                      end,
                      receive stop -> ok end
              end),
    R1 = gen_tcp:controlling_process(S, P),
    Linked = lists:member(self(), element(2, erlang:port_info(S, links))),
    P ! go,
    ok = gen_tcp:send(C, <<"to the new owner">>),
    R2 = receive {got, D, Owner} -> {D, Owner} after 3000 -> none end,
    R3 = inet:setopts(S, [{active, once}]),
    P ! stop,
    close_all([C, L]),
    timer:sleep(50),
    Closed = erlang:port_info(S, connected),
    [R1, Linked, R2, R3, Closed].

t_controlling_process_not_owner() ->
    {L, C, S} = pair([]),
    Self = self(),
    spawn(fun() -> Self ! {r, gen_tcp:controlling_process(S, self())} end),
    R = receive {r, X} -> X after 2000 -> none end,
    close_all([C, S, L]),
    R.

%% What zerg_web needs: the client half-closes after its request and still gets the answer.
t_half_close_answered() ->
    {L, C, S} = pair([], [{exit_on_close, false}]),
    ok = inet:setopts(S, [{exit_on_close, false}]),
    ok = gen_tcp:send(C, <<"GET / HTTP/1.0\r\n\r\n">>),
    ok = gen_tcp:shutdown(C, write),
    Req = recv_n(S, 18),
    End = gen_tcp:recv(S, 0, 2000),
    Send = gen_tcp:send(S, <<"HTTP/1.0 200 OK\r\n\r\nhi">>),
    ok = gen_tcp:close(S),
    Answer = recv_n(C, 21),
    Eof = gen_tcp:recv(C, 0, 2000),
    close_all([C, L]),
    [Req, End, Send, Answer, Eof].

t_owner_exit_closes() ->
    Self = self(),
    P = spawn(fun() ->
                      {ok, L} = gen_tcp:listen(0, [binary, {active, false}]),
                      Self ! {port, L},
                      receive die -> exit(boom) end
              end),
    L = receive {port, X} -> X end,
    Before = erlang:port_info(L, connected) =:= {connected, P},
    Ref = monitor(process, P),
    P ! die,
    receive {'DOWN', Ref, _, _, _} -> ok end,
    After = erlang:port_info(L),
    Member = lists:member(L, erlang:ports()),
    [Before, After, Member].

t_close_flushes() ->
    {L, C, S} = pair([]),
    Big = binary:copy(<<"0123456789abcdef">>, 65536),
    ok = gen_tcp:send(C, Big),
    ok = gen_tcp:close(C),
    Data = recv_n(S, byte_size(Big)),
    End = gen_tcp:recv(S, 0, 2000),
    close_all([S, L]),
    [Data =:= Big, End].

t_names() ->
    {L, C, S} = pair([]),
    {ok, {CA, CP}} = inet:sockname(C),
    {ok, {SA, SP}} = inet:peername(S),
    {ok, {LA, LP}} = inet:sockname(L),
    {ok, {PA, PP}} = inet:peername(C),
    NoPeer = inet:peername(L),
    close_all([C, S, L]),
    [CA, CA =:= SA, CP =:= SP, LA, PA, LP =:= PP, NoPeer].

t_getopts_defaults() ->
    {L, C, S} = pair([]),
    Names = [active, packet, mode, exit_on_close, nodelay, keepalive, reuseaddr, buffer, header,
             packet_size, deliver, high_watermark, low_watermark, linger, delay_send,
             send_timeout, send_timeout_close, show_econnreset],
    R = [inet:getopts(X, Names) || X <- [L, C, S]],
    Delim = inet:getopts(S, [line_delimiter]),
    ok = inet:setopts(C, [{nodelay, true}, {keepalive, true}, {linger, {true, 5}},
                          {packet, 4}, list, {high_watermark, 65536},
                          {low_watermark, 1024}, {exit_on_close, false},
                          {line_delimiter, $;}]),
    R2 = inet:getopts(C, Names),
    close_all([C, S, L]),
    [R, Delim, R2].

t_setopts_einval() ->
    {L, C, S} = pair([]),
    R = [inet:setopts(S, O) || O <- [[{packet, bogus}], [{active, maybe}], [{mode, x}],
                                     [{buffer, -1}], [bogus], [{nodelay, 3}]]],
    Still = inet:getopts(S, [active, packet]),
    close_all([C, S, L]),
    [R, Still].

t_connect_refused() ->
    {ok, L} = gen_tcp:listen(0, [{reuseaddr, true}]),
    {ok, Port} = inet:port(L),
    ok = gen_tcp:close(L),
    R = gen_tcp:connect({127, 0, 0, 1}, Port, [], 2000),
    Ports = length(erlang:ports()),
    R2 = gen_tcp:connect({127, 0, 0, 1}, Port, []),
    [R, R2, Ports =:= length(erlang:ports())].

t_accept_timeout() ->
    {ok, L} = gen_tcp:listen(0, []),
    R1 = gen_tcp:accept(L, 50),
    R2 = gen_tcp:accept(L, 0),
    ok = gen_tcp:close(L),
    R3 = gen_tcp:accept(L, 50),
    [R1, R2, R3].

t_accept_many() ->
    {ok, L} = gen_tcp:listen(0, [binary, {active, false}]),
    {ok, Port} = inet:port(L),
    Self = self(),
    [spawn(fun() ->
                   {ok, S} = gen_tcp:accept(L, 3000),
                   {ok, D} = gen_tcp:recv(S, 0, 3000),
                   Self ! {accepted, D},
                   gen_tcp:close(S)
           end) || _ <- [1, 2, 3]],
    timer:sleep(50),
    Cs = [begin
              {ok, C} = gen_tcp:connect({127, 0, 0, 1}, Port, [binary, {active, false}]),
              ok = gen_tcp:send(C, [N]),
              C
          end || N <- [1, 2, 3]],
    Got = lists:sort([receive {accepted, D} -> D after 3000 -> none end || _ <- [1, 2, 3]]),
    close_all(Cs ++ [L]),
    Got.

t_port_info() ->
    {L, C, S} = pair([]),
    Name = erlang:port_info(S, name),
    Conn = erlang:port_info(S, connected) =:= {connected, self()},
    Links = erlang:port_info(S, links) =:= {links, [self()]},
    Keys = [K || {K, _} <- erlang:port_info(S)],
    Member = lists:member(S, erlang:ports()),
    ok = gen_tcp:send(C, <<"12345">>),
    {ok, _} = gen_tcp:recv(S, 5, 2000),
    In = erlang:port_info(S, input),
    Data = [erlang:port_set_data(S, {my, data}), erlang:port_get_data(S)],
    _ = erlang:port_set_data(S, inet_tcp),
    Bad = (catch erlang:port_info(S, bogus)),
    IsPort = [is_port(S), is_port(self())],
    close_all([C, S, L]),
    [Name, Conn, Links, Keys, Member, In, Data, IsPort, element(1, Bad),
     erlang:port_info(S), erlang:port_info(S, name)].

t_send_after_close() ->
    {L, C, S} = pair([]),
    ok = gen_tcp:close(S),
    R1 = gen_tcp:send(S, <<"x">>),
    R2 = gen_tcp:recv(S, 0, 100),
    R3 = inet:setopts(S, [{active, true}]),
    close_all([C, L]),
    [R1, R2, R3].

t_fdopen_not_socket() ->
    gen_tcp:fdopen(0, [binary]).

%% A descriptor taken over by a second port: the family is checked (a TCP socket is not a
%% `local` one, and the descriptor is left alone), then it serves like any socket.
t_fdopen_socket() ->
    {L, C, S} = pair([]),
    {ok, Fd} = inet:getfd(S),
    Wrong = gen_tcp:fdopen(Fd, [local, binary, {active, false}]),
    {ok, S2} = gen_tcp:fdopen(Fd, [binary, {active, false}]),
    ok = gen_tcp:send(C, <<"via fdopen">>),
    R = gen_tcp:recv(S2, 0, 2000),
    Same = inet:peername(S2) =:= inet:sockname(C),
    ok = gen_tcp:send(S2, <<"back">>),
    Back = gen_tcp:recv(C, 0, 2000),
    ok = gen_tcp:close(S2),
    End = gen_tcp:recv(C, 0, 2000),
    %% the first port's descriptor is closed already: close its port without using it
    true = erlang:port_close(S),
    close_all([C, L]),
    [Wrong, R, Same, Back, End].

t_local_stream() ->
    Name = iolist_to_binary(["zvm-t_tcp-", integer_to_list(erlang:unique_integer([positive])),
                            "-", integer_to_list(erlang:system_time())]),
    Addr = {local, <<0, Name/binary>>},
    {ok, L} = gen_tcp:listen(0, [local, binary, {active, false}, {ifaddr, Addr}]),
    {ok, C} = gen_tcp:connect(Addr, 0, [local, binary, {active, false}]),
    {ok, S} = gen_tcp:accept(L, 2000),
    ok = gen_tcp:send(C, <<"over a unix socket">>),
    R = gen_tcp:recv(S, 0, 2000),
    LName = inet:sockname(L) =:= {ok, Addr},
    ok = gen_tcp:close(C),
    End = gen_tcp:recv(S, 0, 2000),
    close_all([S, L]),
    [R, LName, End].

t_port_close_message() ->
    {L, C, S} = pair([]),
    S ! {self(), close},
    R = receive {S, closed} -> closed after 2000 -> none end,
    Info = erlang:port_info(S),
    Again = (catch erlang:port_close(S)),
    Eof = gen_tcp:recv(C, 0, 2000),
    close_all([C, L]),
    [R, Info, element(1, Again), Eof].

t_port_badarg() ->
    {L, C, S} = pair([]),
    close_all([C, S, L]),
    [element(1, catch erlang:port_command(S, <<"x">>)),
     element(1, catch erlang:port_control(S, 0, [])),
     element(1, catch erlang:port_connect(S, self())),
     element(1, catch erlang:port_set_data(S, x)),
     element(1, catch erlang:port_get_data(S)),
     element(1, catch erlang:open_port({spawn_driver, "no_such_driver"}, [])),
     element(1, catch erlang:port_info(self()))].

t_getstat() ->
    {L, C, S} = pair([]),
    ok = gen_tcp:send(C, <<"12345">>),
    ok = gen_tcp:send(C, <<"678">>),
    {ok, _} = gen_tcp:recv(S, 8, 2000),
    R = [inet:getstat(S, [recv_oct, send_oct, send_pend]),
         inet:getstat(C, [send_oct, recv_oct, send_cnt])],
    close_all([C, S, L]),
    R.

t_connect_localhost() ->
    {ok, L} = gen_tcp:listen(0, [binary, {active, false}, {ip, {127, 0, 0, 1}}]),
    {ok, Port} = inet:port(L),
    {ok, C} = gen_tcp:connect("localhost", Port, [binary, {active, false}]),
    {ok, S} = gen_tcp:accept(L, 2000),
    {ok, C2} = gen_tcp:connect("127.0.0.1", Port, [binary, {active, false}]),
    {ok, S2} = gen_tcp:accept(L, 2000),
    {ok, {Addr, _}} = inet:peername(S),
    Bad = gen_tcp:connect({1, 2, 3}, Port, []),
    close_all([C, S, C2, S2, L]),
    [Addr, element(1, Bad)].

t_exit_on_close_active() ->
    {L, C, S} = pair([], []),
    ok = inet:setopts(S, [{active, true}, {exit_on_close, false}]),
    ok = gen_tcp:shutdown(C, write),
    Closed = receive {tcp_closed, S} -> closed after 2000 -> none end,
    Alive = erlang:port_info(S, name),
    Send = gen_tcp:send(S, <<"still">>),
    Got = gen_tcp:recv(C, 0, 2000),
    close_all([C, S, L]),
    [Closed, Alive, Send, Got].

t_console_port() ->
    P = open_port({fd, 0, 2}, [out, binary]),
    Name = erlang:port_info(P, name),
    R = port_command(P, <<>>),
    true = port_close(P),
    [Name, R, erlang:port_info(P)].

t_trap_exit_port() ->
    Self = self(),
    Pid = spawn(fun() ->
                        process_flag(trap_exit, true),
                        {ok, L} = gen_tcp:listen(0, []),
                        true = erlang:port_close(L),
                        R1 = receive {'EXIT', L, W} -> W after 500 -> none end,
                        {ok, L2} = gen_tcp:listen(0, []),
                        exit(L2, kill_it),
                        R2 = receive {'EXIT', L2, W2} -> W2 after 500 -> none end,
                        Self ! {res, [R1, R2, erlang:port_info(L2)]}
                end),
    _ = Pid,
    receive {res, R} -> R after 3000 -> none end.

t_recv_in_other_process() ->
    {L, C, S} = pair([]),
    Self = self(),
    spawn(fun() -> Self ! {r, gen_tcp:recv(S, 0, 2000)} end),
    timer:sleep(50),
    ok = gen_tcp:send(C, <<"for the helper">>),
    R = receive {r, X} -> X after 3000 -> none end,
    close_all([C, S, L]),
    R.

t_active_after_close() ->
    {L, C, S} = pair([]),
    ok = gen_tcp:close(C),
    R1 = gen_tcp:recv(S, 0, 2000),
    ok = inet:setopts(S, [{active, true}]),
    M = receive {tcp_closed, S} -> closed after 500 -> none end,
    Info = erlang:port_info(S),
    close_all([S, L]),
    [R1, M, Info].

%% One reader at a time (a second one gets ealready); a reader that died gives its turn up.
t_recv_queued() ->
    {L, C, S} = pair([], [{packet, 2}]),
    ok = inet:setopts(C, [{packet, 2}]),
    Self = self(),
    P1 = spawn(fun() -> Self ! {r1, gen_tcp:recv(S, 0, 2000)} end),
    timer:sleep(20),
    P2 = spawn(fun() -> Self ! {r2, gen_tcp:recv(S, 0, 2000)} end),
    timer:sleep(20),
    ok = gen_tcp:send(C, <<"first">>),
    ok = gen_tcp:send(C, <<"second">>),
    R1 = receive {r1, X1} -> X1 after 3000 -> none end,
    R2 = receive {r2, X2} -> X2 after 3000 -> none end,
    Dead = spawn(fun() -> gen_tcp:recv(S, 0) end),
    timer:sleep(20),
    exit(Dead, kill),
    timer:sleep(20),
    ok = gen_tcp:send(C, <<"lost">>),
    R3 = gen_tcp:recv(S, 0, 200),
    _ = [P1, P2],
    close_all([C, S, L]),
    [R1, R2, R3].
