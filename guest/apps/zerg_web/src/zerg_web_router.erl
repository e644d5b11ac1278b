%% zerg_web_router: what each request is answered with. route/1 takes a parsed request (body
%% included) and returns the status, the extra headers and the body as a UTF-8 binary.
%%   GET|HEAD /              the index page
%%   GET|HEAD /hello/NAME    a greeting (NAME percent-decoded, at most 64 bytes)
%%   GET|HEAD /counter       the counter of zerg_web_state
%%   POST     /counter       body "by=N" (N in -1000000..1000000) adds N, then the page
%%   GET|HEAD /json          the state as JSON
%% A known path with another method: 405 with Allow; an unknown path: 404.
-module(zerg_web_router).
-export([route/1, error_response/2]).

-define(HTML, {"Content-Type", "text/html; charset=utf-8"}).
-define(JSON, {"Content-Type", "application/json"}).
-define(TEXT, {"Content-Type", "text/plain; charset=utf-8"}).
-define(MAX_NAME, 64).
-define(MAX_ADD, 1000000).

-type answer() :: {pos_integer(), [{string(), iodata()}], binary()}.
-export_type([answer/0]).

-spec route(zerg_web_http:request()) -> answer().
route(#{method := Method, path := Path} = Req) ->
    case {resource(Path), Method} of
        {not_found, _} -> error_response(404, ["no such page: ", Path]);
        {{bad, Why}, _} -> error_response(400, Why);
        {{R, Allowed}, _} ->
            case lists:member(Method, Allowed) of
                true -> answer(R, Method, Req);
                false ->
                    {405, [?HTML, {"Allow", allow_header(Allowed)}],
                     utf8(zerg_web_pages:error_page(405, "method not allowed here"))}
            end
    end.

%% The resource a path names and the methods it takes.
resource(<<"/">>) -> {index, ['GET', 'HEAD']};
resource(<<"/counter">>) -> {counter, ['GET', 'HEAD', 'POST']};
resource(<<"/json">>) -> {json, ['GET', 'HEAD']};
resource(<<"/hello/", Encoded/binary>>) when Encoded =/= <<>> ->
    case percent_decode(Encoded) of
        {ok, Name} when byte_size(Name) =< ?MAX_NAME -> {{hello, Name}, ['GET', 'HEAD']};
        {ok, _} -> {bad, "name too long"};
        error -> {bad, "bad percent-encoding in the name"}
    end;
resource(_) -> not_found.

answer(index, _, _) ->
    {200, [?HTML], utf8(zerg_web_pages:index(zerg_web_state:request_seen()))};
answer({hello, Name}, _, _) ->
    {200, [?HTML], utf8(zerg_web_pages:hello(Name, zerg_web_state:request_seen()))};
answer(json, _, _) ->
    {200, [?JSON], utf8(zerg_web_pages:json(zerg_web_state:request_seen()))};
answer(counter, 'POST', #{body := Body}) ->
    case parse_add(Body) of
        {ok, N} ->
            _ = zerg_web_state:request_seen(),
            {200, [?HTML], utf8(zerg_web_pages:counter(zerg_web_state:add(N)))};
        error -> error_response(400, "the body must be by=N, N an integer within 1000000")
    end;
answer(counter, _, _) ->
    _ = zerg_web_state:request_seen(),
    {200, [?HTML], utf8(zerg_web_pages:counter(zerg_web_state:add(1)))}.

-spec error_response(pos_integer(), iodata()) -> answer().
error_response(Status, Why) ->
    {Status, [?HTML], utf8(zerg_web_pages:error_page(Status, Why))}.

parse_add(<<"by=", Digits/binary>>) ->
    case catch binary_to_integer(string:trim(Digits)) of
        N when is_integer(N), N >= -?MAX_ADD, N =< ?MAX_ADD -> {ok, N};
        _ -> error
    end;
parse_add(_) -> error.

allow_header(Methods) ->
    lists:join(", ", [atom_to_list(M) || M <- Methods]).

utf8(Chars) ->
    case unicode:characters_to_binary(Chars) of
        B when is_binary(B) -> B;
        _ -> iolist_to_binary(Chars)
    end.

%% %XX escapes to bytes; "+" stays "+" (a path, not a form).
percent_decode(Bin) -> percent_decode(Bin, <<>>).

percent_decode(<<>>, Acc) -> {ok, Acc};
percent_decode(<<$%, H, L, Rest/binary>>, Acc) ->
    case {hex(H), hex(L)} of
        {Hi, Lo} when is_integer(Hi), is_integer(Lo) ->
            percent_decode(Rest, <<Acc/binary, (Hi * 16 + Lo)>>);
        _ -> error
    end;
percent_decode(<<$%, _/binary>>, _) -> error;
percent_decode(<<C, Rest/binary>>, Acc) -> percent_decode(Rest, <<Acc/binary, C>>).

hex(C) when C >= $0, C =< $9 -> C - $0;
hex(C) when C >= $a, C =< $f -> C - $a + 10;
hex(C) when C >= $A, C =< $F -> C - $A + 10;
hex(_) -> bad.
