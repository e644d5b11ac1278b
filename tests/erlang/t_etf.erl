%% t_etf: the external term format for pids, ports, references and funs as OTP 25 writes them.
%% Bytes are compared where they do not depend on the node (external funs, hand-written local
%% pids and ports); otherwise the structure, the size and the round trip are.
-module(t_etf).
-export([t_export_fun_bytes/0, t_pid_bytes/0, t_port_bytes/0, t_self_round_trip/0,
         t_ref_structure/0, t_local_fun_structure/0, t_local_fun_round_trip/0,
         t_fun_in_term/0, t_bad_input/0]).

-define(NODE, 100, 0, 13, "nonode@nohost").

t_export_fun_bytes() ->
    B = term_to_binary(fun lists:map/2),
    {B, binary_to_term(B) =:= fun lists:map/2, (binary_to_term(B))(fun(X) -> X * 2 end, [1, 2])}.

t_pid_bytes() ->
    B = <<131, 88, ?NODE, 0, 0, 0, 5, 0, 0, 0, 0, 0, 0, 0, 0>>,
    P = binary_to_term(B),
    {is_pid(P), term_to_binary(P) =:= B, binary_to_term(<<131, 103, ?NODE, 0, 0, 0, 5, 0, 0, 0, 0, 0>>) =:= P}.

t_port_bytes() ->
    B = <<131, 89, ?NODE, 0, 0, 0, 7, 0, 0, 0, 0>>,
    P = binary_to_term(B),
    {is_port(P), term_to_binary(P) =:= B}.

t_self_round_trip() ->
    B = term_to_binary(self()),
    <<131, 88, 100, 0, 13, "nonode@nohost", _Id:32, Serial:32, Creation:32>> = B,
    {binary_to_term(B) =:= self(), byte_size(B), Serial, Creation}.

t_ref_structure() ->
    R = make_ref(),
    B = term_to_binary(R),
    <<131, 90, Len:16, 100, 0, 13, "nonode@nohost", Creation:32, W0:32, _:64>> = B,
    {binary_to_term(B) =:= R, Len, Creation, W0 < 1 bsl 18, byte_size(B),
     binary_to_term(term_to_binary({R, [R]})) =:= {R, [R]}}.

t_local_fun_structure() ->
    N = 10,
    F = fun(X) -> X + N end,
    B = term_to_binary(F),
    <<131, 112, Size:32, Arity, _Uniq:16/binary, Index:32, NumFree:32, 100, MLen:16,
      Mod:MLen/binary, _/binary>> = B,
    {Size =:= byte_size(B) - 2, Arity, Index, NumFree, Mod}.

t_local_fun_round_trip() ->
    N = 10,
    L = [a, "b"],
    F = fun(X) -> {X + N, L} end,
    G = binary_to_term(term_to_binary(F)),
    H = binary_to_term(term_to_binary(fun() -> ok end)),
    {G(1), G =:= F, H(), erlang:fun_info(G, arity)}.

t_fun_in_term() ->
    F = fun(X) -> X end,
    T = {F, #{f => F}, [fun lists:reverse/1]},
    T2 = binary_to_term(term_to_binary(T)),
    {(element(1, T2))(7), (maps:get(f, element(2, T2)))(8), (hd(element(3, T2)))([1, 2])}.

t_bad_input() ->
    B = term_to_binary({self(), make_ref(), fun(X) -> X end}),
    Bad = fun(Bin) -> try binary_to_term(Bin) of _ -> accepted catch error:E -> E end end,
    {lists:usort([Bad(binary:part(B, 0, I)) || I <- lists:seq(1, byte_size(B) - 1)]),
     Bad(<<131, 88, 97, 1, 0, 0, 0, 5, 0, 0, 0, 0, 0, 0, 0, 0>>),
     Bad(<<131, 90, 0, 1, 97, 1, 0, 0, 0, 0, 0, 0, 0, 1>>),
     Bad(<<131, 113, ?NODE, 100, 0, 1, "f", 100, 0, 1, "x">>),
     Bad(<<131, 112, 0, 0, 0, 0>>)}.
