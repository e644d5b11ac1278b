%% zvm_io: the console's io server for part 1, where zvm runs a single process. A message sent
%% to the group leader (erlang:group_leader/0) is handed to request/1 right away, in the
%% sender's process, instead of being queued for another process: it performs the I/O request
%% and sends the reply back to the sender, as OTP's io protocol expects, so the stock io module
%% works unmodified. Part 2 replaces this with a real io server process.
-module(zvm_io).
-export([request/1]).

request({io_request, From, ReplyAs, Request} = Msg) ->
    Reply = try io_request(Request) catch _:_ -> {error, request} end,
    From ! {io_reply, ReplyAs, Reply},
    Msg;
request(Msg) ->
    Msg.

io_request({put_chars, Enc, Chars}) ->
    put_chars(Enc, Chars);
io_request({put_chars, Enc, M, F, A}) ->
    put_chars(Enc, apply(M, F, A));
io_request({put_chars, Chars}) ->
    put_chars(latin1, Chars);
io_request({put_chars, M, F, A}) ->
    put_chars(latin1, apply(M, F, A));
io_request({requests, Requests}) ->
    lists:foldl(fun(R, ok) -> io_request(R); (_, Err) -> Err end, ok, Requests);
io_request({setopts, _}) ->
    ok;
io_request(getopts) ->
    [{binary, false}, {encoding, unicode}];
io_request({get_geometry, _}) ->
    {error, enotsup};
io_request(_) ->
    {error, enotsup}.

put_chars(unicode, Chars) ->
    zvm:console_write(unicode:characters_to_binary(Chars));
put_chars(latin1, Chars) ->
    zvm:console_write(unicode:characters_to_binary(Chars, latin1, unicode)).
