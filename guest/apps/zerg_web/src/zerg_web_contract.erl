%% zerg_web_contract: the guest side of the process backend's control channel
%% (docs/guest-contract.md, "The control channel and the prefix"): the parameters message, the
%% prefix (the bytes of the connection the proxy already read), and the readiness message.
-module(zerg_web_contract).
-export([read/2, parse_params/1, ready/1]).

%% More than any proxy.max_head_bytes (at most 1 MiB) plus a body start: a bad message.
-define(MAX_PREFIX, 16#1000000).

-type params() :: #{instance := binary(), daemon := binary(), peer := binary(),
                    prefix_bytes := non_neg_integer(), prefix => binary()}.
-export_type([params/0]).

%% Reads the parameters and then the whole prefix. Timeout applies to each message.
-spec read(zerg_web_io:control(), timeout()) -> {ok, params()} | {error, term()}.
read(Ctl, Timeout) ->
    case zerg_web_io:control_recv(Ctl, Timeout) of
        {ok, Msg} ->
            case parse_params(Msg) of
                {ok, #{prefix_bytes := N} = P} ->
                    case read_prefix(Ctl, Timeout, N, []) of
                        {ok, Prefix} -> {ok, P#{prefix => Prefix}};
                        {error, _} = E -> E
                    end;
                {error, _} = E -> E
            end;
        {error, R} -> {error, {control_recv, R}}
    end.

read_prefix(_Ctl, _Timeout, 0, Acc) ->
    {ok, iolist_to_binary(lists:reverse(Acc))};
read_prefix(Ctl, Timeout, Left, Acc) ->
    case zerg_web_io:control_recv(Ctl, Timeout) of
        {ok, Chunk} when byte_size(Chunk) > 0, byte_size(Chunk) =< Left ->
            read_prefix(Ctl, Timeout, Left - byte_size(Chunk), [Chunk | Acc]);
        {ok, Chunk} -> {error, {bad_prefix_chunk, byte_size(Chunk), Left}};
        {error, R} -> {error, {prefix_recv, R}}
    end.

%% Lines key=value\n; zerg=1, instance and prefix_bytes are required, unknown keys ignored.
-spec parse_params(binary()) -> {ok, params()} | {error, term()}.
parse_params(Msg) when is_binary(Msg) ->
    case binary:last(<<0, Msg/binary>>) of
        $\n ->
            Lines = binary:split(Msg, <<"\n">>, [global, trim]),
            case pairs(Lines, #{}) of
                {ok, KV} -> check(KV);
                {error, _} = E -> E
            end;
        _ -> {error, {params_not_line_terminated, Msg}}
    end.

pairs([], Acc) -> {ok, Acc};
pairs([Line | Rest], Acc) ->
    case binary:split(Line, <<"=">>) of
        [K, V] when K =/= <<>> -> pairs(Rest, Acc#{K => V});
        _ -> {error, {bad_param_line, Line}}
    end.

check(#{<<"zerg">> := <<"1">>, <<"instance">> := Id, <<"prefix_bytes">> := NBin} = KV)
  when Id =/= <<>> ->
    case catch binary_to_integer(NBin) of
        N when is_integer(N), N >= 0, N =< ?MAX_PREFIX ->
            {ok, #{instance => Id,
                   daemon => maps:get(<<"daemon">>, KV, <<>>),
                   peer => maps:get(<<"peer">>, KV, <<>>),
                   prefix_bytes => N}};
        _ -> {error, {bad_prefix_bytes, NBin}}
    end;
check(#{<<"zerg">> := V}) when V =/= <<"1">> ->
    {error, {unsupported_contract_version, V}};
check(#{<<"instance">> := <<>>}) ->
    {error, empty_instance_id};
check(KV) ->
    {error, {missing_params, [K || K <- [<<"zerg">>, <<"instance">>, <<"prefix_bytes">>],
                                   not maps:is_key(K, KV)]}}.

%% Exactly "ready\n", one message.
-spec ready(zerg_web_io:control()) -> ok | {error, term()}.
ready(Ctl) ->
    zerg_web_io:control_send(Ctl, <<"ready\n">>).
