%% zvm_io: the console's io servers. zvm_init starts two: `user` (standard output, the group
%% leader of every process unless one sets another) and `standard_error`. Each is a process
%% that answers OTP's io protocol ({io_request, From, ReplyAs, Request} -> {io_reply, ReplyAs,
%% Reply}), so the stock io and io_lib modules work unmodified. There is no input: a read gets
%% eof, as `erl -noshell` with a closed standard input does.
-module(zvm_io).
-export([start/2, server/1]).

%% Starts the server for console stream Stream (1 standard output, 2 standard error) and
%% registers it as Name.
start(Name, Stream) ->
    Pid = spawn(?MODULE, server, [Stream]),
    true = register(Name, Pid),
    Pid.

server(Stream) ->
    receive
        {io_request, From, ReplyAs, Request} ->
            Reply = try io_request(Stream, Request) catch _:_ -> {error, request} end,
            From ! {io_reply, ReplyAs, Reply};
        _Other ->
            ok
    end,
    server(Stream).

io_request(S, {put_chars, Enc, Chars}) ->
    put_chars(S, Enc, Chars);
io_request(S, {put_chars, Enc, M, F, A}) ->
    put_chars(S, Enc, apply(M, F, A));
io_request(S, {put_chars, Chars}) ->
    put_chars(S, latin1, Chars);
io_request(S, {put_chars, M, F, A}) ->
    put_chars(S, latin1, apply(M, F, A));
io_request(S, {requests, Requests}) ->
    lists:foldl(fun(R, ok) -> io_request(S, R); (_, Err) -> Err end, ok, Requests);
io_request(_S, {setopts, _}) ->
    ok;
io_request(_S, getopts) ->
    [{binary, false}, {encoding, unicode}];
io_request(_S, {get_geometry, _}) ->
    {error, enotsup};
io_request(_S, {get_chars, _Enc, _Prompt, _N}) ->
    eof;
io_request(_S, {get_line, _Enc, _Prompt}) ->
    eof;
io_request(_S, {get_until, _Enc, _Prompt, _M, _F, _A}) ->
    eof;
io_request(_S, _) ->
    {error, enotsup}.

put_chars(S, unicode, Chars) ->
    write(S, unicode:characters_to_binary(Chars));
put_chars(S, latin1, Chars) ->
    write(S, unicode:characters_to_binary(Chars, latin1, unicode)).

write(S, Bin) when is_binary(Bin) ->
    zvm:console_write(S, Bin);
write(_S, _Error) ->
    {error, put_chars}.
