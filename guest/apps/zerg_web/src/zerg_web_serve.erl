%% zerg_web_serve: one request on one connection, then the connection is closed. The head may
%% already be (in part or whole) in Prefix, the bytes the proxy read before the hand-off; the
%% rest of the head and the body are read from the connection.
-module(zerg_web_serve).
-export([serve/3]).

-define(MAX_HEAD, 16384).        %% the proxy's default max_head_bytes
-define(MAX_BODY, 65536).
-define(RECV_TIMEOUT_MS, 10000). %% for each read; the spawner's serve deadline bounds the whole

%% Returns what happened, for the caller's log: {Status, Method, Path} or no_request.
-spec serve(zerg_web_io:connection(), binary(), binary()) ->
          {pos_integer(), term(), binary()} | no_request.
serve(Conn, Prefix, Instance) ->
    Outcome = case read_head(Conn, Prefix) of
                  {ok, Req0, Rest} -> with_body(Conn, Req0, Rest, Instance);
                  no_request -> no_request;
                  {error, Status, Why} -> answer(Conn, Instance, false, error, Status, Why)
              end,
    _ = zerg_web_io:close(Conn),
    Outcome.

read_head(Conn, Buf) ->
    case zerg_web_http:parse_head(Buf) of
        {ok, Req, Rest} -> {ok, Req, Rest};
        {error, Why} -> {error, 400, io_lib:format("malformed request: ~0p", [Why])};
        more when byte_size(Buf) > ?MAX_HEAD -> {error, 431, "request head too large"};
        more ->
            case zerg_web_io:recv(Conn, 0, ?RECV_TIMEOUT_MS) of
                {ok, More} -> read_head(Conn, <<Buf/binary, More/binary>>);
                {error, closed} when Buf =:= <<>> -> no_request;
                {error, closed} -> {error, 400, "connection closed inside the request head"};
                {error, timeout} -> {error, 408, "request head not complete in time"};
                {error, R} -> {error, 400, io_lib:format("reading the request: ~0p", [R])}
            end
    end.

with_body(Conn, #{method := Method, path := Path} = Req, Rest, Instance) ->
    HeadOnly = Method =:= 'HEAD',
    case zerg_web_http:body_length(Req) of
        {ok, N} when N > ?MAX_BODY ->
            answer(Conn, Instance, HeadOnly, {Method, Path}, 413, "request body too large");
        {ok, N} ->
            case read_body(Conn, Rest, N) of
                {ok, Body} ->
                    {Status, Headers, Page} = zerg_web_router:route(Req#{body := Body}),
                    send(Conn, Instance, HeadOnly, Status, Headers, Page),
                    {Status, Method, Path};
                {error, Status, Why} ->
                    answer(Conn, Instance, HeadOnly, {Method, Path}, Status, Why)
            end;
        {error, length_required} ->
            answer(Conn, Instance, HeadOnly, {Method, Path}, 411,
                   "a body needs Content-Length (no Transfer-Encoding)");
        {error, Why} ->
            answer(Conn, Instance, HeadOnly, {Method, Path}, 400,
                   io_lib:format("~0p", [Why]))
    end.

%% Rest may hold more than the body (a pipelined request): only N bytes are the body.
read_body(_Conn, Rest, N) when byte_size(Rest) >= N ->
    {ok, binary:part(Rest, 0, N)};
read_body(Conn, Rest, N) ->
    case zerg_web_io:recv(Conn, N - byte_size(Rest), ?RECV_TIMEOUT_MS) of
        {ok, More} -> read_body(Conn, <<Rest/binary, More/binary>>, N);
        {error, timeout} -> {error, 408, "request body not complete in time"};
        {error, R} -> {error, 400, io_lib:format("reading the body: ~0p", [R])}
    end.

answer(Conn, Instance, HeadOnly, What, Status, Why) ->
    {Status, Headers, Page} = zerg_web_router:error_response(Status, Why),
    send(Conn, Instance, HeadOnly, Status, Headers, Page),
    case What of
        {Method, Path} -> {Status, Method, Path};
        error -> {Status, none, <<>>}
    end.

send(Conn, Instance, HeadOnly, Status, Headers, Page) ->
    Response = zerg_web_http:response(Status, Headers, Page,
                                      #{instance => Instance, head_only => HeadOnly}),
    case zerg_web_io:send(Conn, Response) of
        ok -> ok;
        {error, R} -> io:format(standard_error, "zerg_web: send: ~p~n", [R])
    end.
