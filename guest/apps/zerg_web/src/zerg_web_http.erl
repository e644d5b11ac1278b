%% zerg_web_http: HTTP/1.x requests parsed with erlang:decode_packet (http_bin, httph_bin) and
%% responses encoded. Pure functions: no I/O, no state.
-module(zerg_web_http).
-export([parse_head/1, body_length/1, response/4, reason_phrase/1]).

-type request() :: #{method := atom() | binary(),
                     path := binary(),
                     query := binary(),
                     version := {non_neg_integer(), non_neg_integer()},
                     headers := [{binary(), binary()}],
                     body := binary()}.
-export_type([request/0]).

%% {ok, Request, Rest}: a complete head (Rest is what follows it: the start of the body);
%% more: the head is not complete yet; {error, Why}: not an HTTP/1.x request head.
-spec parse_head(binary()) -> {ok, request(), binary()} | more | {error, term()}.
parse_head(Bin) ->
    case erlang:decode_packet(http_bin, Bin, []) of
        {ok, {http_request, Method, Uri, {1, _} = Version}, Rest} ->
            case split_uri(Uri) of
                {ok, Path, Query} ->
                    headers(Rest, #{method => Method, path => Path, query => Query,
                                    version => Version, headers => [], body => <<>>});
                {error, _} = E -> E
            end;
        {ok, {http_request, _, _, Version}, _} -> {error, {unsupported_version, Version}};
        {ok, {http_error, Line}, _} -> {error, {bad_request_line, Line}};
        {ok, Other, _} -> {error, {not_a_request, Other}};
        {more, _} -> more;
        {error, Why} -> {error, Why}
    end.

headers(Bin, Req = #{headers := Hs}) ->
    case erlang:decode_packet(httph_bin, Bin, []) of
        {ok, {http_header, _, Name, _, Value}, Rest} ->
            headers(Rest, Req#{headers := [{lower(Name), Value} | Hs]});
        {ok, http_eoh, Rest} -> {ok, Req#{headers := lists:reverse(Hs)}, Rest};
        {ok, {http_error, Line}, _} -> {error, {bad_header, Line}};
        {more, _} -> more;
        {error, Why} -> {error, Why}
    end.

lower(A) when is_atom(A) -> lower(atom_to_binary(A, latin1));
lower(B) when is_binary(B) -> << <<(ascii_lower(C))>> || <<C>> <= B >>.

ascii_lower(C) when C >= $A, C =< $Z -> C + 32;
ascii_lower(C) -> C.

%% Origin form only ("/path?query"); "*" and absolute URIs are not for this server.
split_uri({abs_path, Uri}) ->
    case binary:split(Uri, <<"?">>) of
        [Path, Query] -> {ok, Path, Query};
        [Path] -> {ok, Path, <<>>}
    end;
split_uri(Other) -> {error, {unsupported_uri, Other}}.

%% How many body bytes follow the head: Content-Length, one value, a plain decimal number.
%% A Transfer-Encoding (chunked) body is not supported: {error, length_required}.
-spec body_length(request()) -> {ok, non_neg_integer()} | {error, term()}.
body_length(#{headers := Hs}) ->
    case {proplists:get_all_values(<<"content-length">>, Hs),
          proplists:is_defined(<<"transfer-encoding">>, Hs)} of
        {_, true} -> {error, length_required};
        {[], false} -> {ok, 0};
        {[V], false} ->
            case byte_size(V) =< 15 andalso all_digits(V) of
                true -> {ok, binary_to_integer(V)};
                false -> {error, {bad_content_length, V}}
            end;
        {_, false} -> {error, duplicate_content_length}
    end.

all_digits(<<>>) -> false;
all_digits(B) -> lists:all(fun(C) -> C >= $0 andalso C =< $9 end, binary_to_list(B)).

%% A complete response with Connection: close and X-Zerg-Instance. Headers is extra headers;
%% Body is sent unless the request was HEAD (Content-Length is the body's either way).
-spec response(pos_integer(), [{iodata(), iodata()}], iodata(),
               #{instance := binary(), head_only := boolean()}) -> iodata().
response(Status, Headers, Body, #{instance := Id, head_only := HeadOnly}) ->
    Len = iolist_size(Body),
    Head = [io_lib:format("HTTP/1.1 ~B ~s\r\n", [Status, reason_phrase(Status)]),
            [[K, ": ", V, "\r\n"] || {K, V} <- Headers],
            io_lib:format("Content-Length: ~B\r\n", [Len]),
            "Connection: close\r\n",
            ["X-Zerg-Instance: ", Id, "\r\n"],
            "Server: zerg_web\r\n\r\n"],
    case HeadOnly of
        true -> Head;
        false -> [Head, Body]
    end.

-spec reason_phrase(pos_integer()) -> string().
reason_phrase(200) -> "OK";
reason_phrase(400) -> "Bad Request";
reason_phrase(404) -> "Not Found";
reason_phrase(405) -> "Method Not Allowed";
reason_phrase(408) -> "Request Timeout";
reason_phrase(411) -> "Length Required";
reason_phrase(413) -> "Payload Too Large";
reason_phrase(431) -> "Request Header Fields Too Large";
reason_phrase(500) -> "Internal Server Error";
reason_phrase(_) -> "Unknown".
