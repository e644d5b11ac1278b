%% zerg_web_tests: the application's request handling on stock erl, without zerg. Run by
%% tests/suites/65-zerg-web.sh as `erl -noshell -pa EBIN -pa TESTS -run zerg_web_tests main`;
%% prints one PASS:/FAIL: line per case and halts with 1 if any failed.
%% The serve cases hand zerg_web_serve a loopback connection and a prefix, as an instance gets
%% them from the proxy: the request split between the prefix and the connection.
-module(zerg_web_tests).
-export([main/0]).

main() ->
    ok = application:load(zerg_web),
    ok = application:set_env(zerg_web, instance, <<"42">>),
    ok = application:set_env(zerg_web, peer, <<"127.0.0.1:9">>),
    ok = application:start(zerg_web),
    Results = [run(Name, Fun) || {Name, Fun} <- cases()],
    Failed = length([R || R <- Results, R =/= ok]),
    erlang:halt(case Failed of 0 -> 0; _ -> 1 end).

run(Name, Fun) ->
    try Fun() of
        ok -> io:format("PASS: erl_~s~n", [Name]), ok
    catch Class:Reason:Stack ->
            io:format("FAIL: erl_~s: ~0p:~0p at ~0p~n", [Name, Class, Reason, hd(Stack)]),
            failed
    end.

cases() ->
    [{"parse_head_complete", fun parse_head_complete/0},
     {"parse_head_incomplete_and_garbage", fun parse_head_incomplete_and_garbage/0},
     {"body_length", fun body_length/0},
     {"contract_params", fun contract_params/0},
     {"router", fun router/0},
     {"html_and_json_escaping", fun escaping/0},
     {"serve_prefix_and_connection", fun serve_prefix_and_connection/0},
     {"serve_garbage_400", fun serve_garbage/0},
     {"serve_client_closes_early", fun serve_closed_early/0},
     {"state_restarted_by_supervisor", fun state_restarted/0}].

parse_head_complete() ->
    {ok, Req, <<"body">>} = zerg_web_http:parse_head(
                              <<"GET /hello/x?y=1 HTTP/1.1\r\nHost: z\r\nX-A: b\r\n\r\nbody">>),
    #{method := 'GET', path := <<"/hello/x">>, query := <<"y=1">>, version := {1, 1},
      headers := [{<<"host">>, <<"z">>}, {<<"x-a">>, <<"b">>}]} = Req,
    {ok, #{method := <<"PATCH">>}, <<>>} =
        zerg_web_http:parse_head(<<"PATCH / HTTP/1.0\r\n\r\n">>),
    ok.

parse_head_incomplete_and_garbage() ->
    more = zerg_web_http:parse_head(<<"GET / HTTP/1.1\r\nHost: z\r\n">>),
    more = zerg_web_http:parse_head(<<>>),
    {error, _} = zerg_web_http:parse_head(<<"GARBAGE\r\n\r\n">>),
    {error, _} = zerg_web_http:parse_head(<<"GET / HTTP/2.0\r\n\r\n">>),
    {error, _} = zerg_web_http:parse_head(<<"GET http://x/ HTTP/1.1\r\n\r\n">>),
    {error, _} = zerg_web_http:parse_head(<<"GET / HTTP/1.1\r\nno colon here\r\n\r\n">>),
    ok.

body_length() ->
    L = fun(Hs) -> zerg_web_http:body_length(#{headers => Hs}) end,
    {ok, 0} = L([]),
    {ok, 12} = L([{<<"content-length">>, <<"12">>}]),
    {error, _} = L([{<<"content-length">>, <<"-1">>}]),
    {error, _} = L([{<<"content-length">>, <<"1x">>}]),
    {error, duplicate_content_length} =
        L([{<<"content-length">>, <<"1">>}, {<<"content-length">>, <<"1">>}]),
    {error, length_required} = L([{<<"transfer-encoding">>, <<"chunked">>}]),
    ok.

contract_params() ->
    {ok, #{instance := <<"7">>, daemon := <<"d">>, peer := <<"p:1">>, prefix_bytes := 12}} =
        zerg_web_contract:parse_params(
          <<"zerg=1\ninstance=7\ndaemon=d\npeer=p:1\nprefix_bytes=12\nfuture=x=y\n">>),
    {error, {missing_params, [<<"instance">>]}} =
        zerg_web_contract:parse_params(<<"zerg=1\nprefix_bytes=0\n">>),
    {error, {unsupported_contract_version, <<"2">>}} =
        zerg_web_contract:parse_params(<<"zerg=2\ninstance=1\nprefix_bytes=0\n">>),
    {error, {bad_prefix_bytes, _}} =
        zerg_web_contract:parse_params(<<"zerg=1\ninstance=1\nprefix_bytes=-3\n">>),
    {error, {bad_param_line, <<"junk">>}} =
        zerg_web_contract:parse_params(<<"zerg=1\njunk\n">>),
    {error, {params_not_line_terminated, _}} =
        zerg_web_contract:parse_params(<<"zerg=1\ninstance=1">>),
    {error, empty_instance_id} =
        zerg_web_contract:parse_params(<<"zerg=1\ninstance=\nprefix_bytes=0\n">>),
    ok.

req(Method, Path) -> req(Method, Path, <<>>).
req(Method, Path, Body) ->
    #{method => Method, path => Path, query => <<>>, version => {1, 1}, headers => [],
      body => Body}.

router() ->
    {200, _, Index} = zerg_web_router:route(req('GET', <<"/">>)),
    true = has(Index, <<"<h1>zerg_web</h1>">>),
    {200, _, Hello} = zerg_web_router:route(req('GET', <<"/hello/a%20b">>)),
    true = has(Hello, <<"Hello, <strong>a b</strong>!">>),
    {400, _, _} = zerg_web_router:route(req('GET', <<"/hello/%4">>)),
    {400, _, _} = zerg_web_router:route(req('GET', <<"/hello/", (binary:copy(<<"x">>, 65))/binary>>)),
    {404, _, _} = zerg_web_router:route(req('GET', <<"/hello/">>)),
    {404, _, _} = zerg_web_router:route(req('GET', <<"/missing">>)),
    {405, Hs, _} = zerg_web_router:route(req('POST', <<"/json">>)),
    "GET, HEAD" = lists:flatten(proplists:get_value("Allow", Hs)),
    {200, _, C1} = zerg_web_router:route(req('POST', <<"/counter">>, <<"by=10">>)),
    {200, _, C2} = zerg_web_router:route(req('GET', <<"/counter">>)),
    true = counter(C2) =:= counter(C1) + 1,
    {400, _, _} = zerg_web_router:route(req('POST', <<"/counter">>, <<"by=99999999">>)),
    {200, [{"Content-Type", "application/json"}], Json} =
        zerg_web_router:route(req('GET', <<"/json">>)),
    true = has(Json, <<"\"instance\":\"42\"">>),
    ok.

escaping() ->
    <<"&lt;a href=&quot;x&quot;&gt;&amp;&#39;">> =
        iolist_to_binary(zerg_web_pages:html_escape(<<"<a href=\"x\">&'">>)),
    <<"\"a\\\"b\\\\c\\u000a\"">> = iolist_to_binary(zerg_web_pages:json_string(<<"a\"b\\c\n">>)),
    %% bytes that are not UTF-8 still render (as Latin-1)
    <<"\"", 16#c3, 16#bf, "\"">> = unicode:characters_to_binary(
                                       zerg_web_pages:json_string(<<255>>)),
    ok.

%% A loopback connection: {ClientSocket, ServerConnection}.
pair() ->
    {ok, L} = gen_tcp:listen(0, [binary, {active, false}, {ip, {127, 0, 0, 1}}]),
    {ok, Port} = inet:port(L),
    {ok, C} = gen_tcp:connect({127, 0, 0, 1}, Port, [binary, {active, false}]),
    {ok, S} = gen_tcp:accept(L, 2000),
    gen_tcp:close(L),
    {C, zerg_web_io:from_gen_tcp(S)}.

serve_async(Conn, Prefix) ->
    Self = self(),
    {_, S} = Conn,
    Pid = spawn(fun() ->
                        receive go -> ok end,
                        Self ! {served, zerg_web_serve:serve(Conn, Prefix, <<"42">>)}
                end),
    ok = gen_tcp:controlling_process(S, Pid),
    Pid ! go.

recv_all(C, Acc) ->
    case gen_tcp:recv(C, 0, 5000) of
        {ok, B} -> recv_all(C, <<Acc/binary, B/binary>>);
        {error, closed} -> Acc
    end.

serve_prefix_and_connection() ->
    {C, Conn} = pair(),
    %% The head arrives half in the prefix, half on the connection; the body after it.
    serve_async(Conn, <<"POST /counter HTTP/1.1\r\nHo">>),
    ok = gen_tcp:send(C, <<"st: z\r\nContent-Length: 6\r\n\r\nby">>),
    timer:sleep(50),
    ok = gen_tcp:send(C, <<"=1000">>),
    Resp = recv_all(C, <<>>),
    {served, {200, 'POST', <<"/counter">>}} = receive M -> M after 5000 -> timeout end,
    <<"HTTP/1.1 200 OK\r\n", _/binary>> = Resp,
    true = has(Resp, <<"\r\nConnection: close\r\n">>),
    true = has(Resp, <<"\r\nX-Zerg-Instance: 42\r\n">>),
    [_, Body] = binary:split(Resp, <<"\r\n\r\n">>),
    {match, [Len]} = re:run(Resp, "Content-Length: ([0-9]+)", [{capture, all_but_first, binary}]),
    true = binary_to_integer(Len) =:= byte_size(Body),
    ok.

serve_garbage() ->
    {C, Conn} = pair(),
    serve_async(Conn, <<"GARBAGE\r\n\r\n">>),
    <<"HTTP/1.1 400 Bad Request\r\n", _/binary>> = recv_all(C, <<>>),
    {served, {400, none, <<>>}} = receive M -> M after 5000 -> timeout end,
    ok.

serve_closed_early() ->
    {C, Conn} = pair(),
    serve_async(Conn, <<>>),
    ok = gen_tcp:close(C),
    {served, no_request} = receive M -> M after 5000 -> timeout end,
    {C2, Conn2} = pair(),
    serve_async(Conn2, <<"GET / HTTP/1.1\r\n">>),
    ok = gen_tcp:shutdown(C2, write),
    <<"HTTP/1.1 400 Bad Request\r\n", _/binary>> = recv_all(C2, <<>>),
    {served, {400, none, <<>>}} = receive M2 -> M2 after 5000 -> timeout end,
    ok.

state_restarted() ->
    Old = whereis(zerg_web_state),
    #{counter := _} = zerg_web_state:add(5),
    exit(Old, kill),
    New = wait_new(Old, 50),
    true = is_pid(New) andalso New =/= Old,
    #{counter := 0, instance := <<"42">>} = zerg_web_state:snapshot(),
    ok.

wait_new(_Old, 0) -> undefined;
wait_new(Old, N) ->
    case whereis(zerg_web_state) of
        P when is_pid(P), P =/= Old -> P;
        _ -> timer:sleep(10), wait_new(Old, N - 1)
    end.

has(Bin, Part) -> binary:match(Bin, Part) =/= nomatch.

counter(Page) ->
    {match, [N]} = re:run(Page, "id=\"counter\">(-?[0-9]+)<", [{capture, all_but_first, binary}]),
    binary_to_integer(N).
