%% The bit syntax: construction, matching, sub-binaries, bitstrings, utf8/16/32, comprehensions.
-module(t_binary).
-export([t_construct/0, t_match/0, t_integers/0, t_little_signed/0, t_floats/0, t_bitstrings/0,
         t_utf/0, t_comprehension/0, t_sub_binaries/0, t_big_binary/0, t_bifs/0,
         t_etf/0, t_badarg/0, t_md5/0, t_etf_compressed/0]).

id(X) -> X.
t_construct() ->
    X = id(258), S = id(<<"str">>),
    {<<1, 2, 3>>, <<X:16>>, <<X:16/little>>, <<S/binary, "!">>, <<X:4>>, <<"abc">>, <<>>,
     <<(id(1.5))/float>>, <<(id(-1)):32/signed>>, <<S:2/binary>>}.
t_match() ->
    <<A:8, B:16, Rest/binary>> = id(<<1, 2, 3, 4, 5>>),
    <<"he", T/binary>> = id(<<"hello">>),
    {A, B, Rest, T, m(<<1, 2>>), m(<<"xy", 9>>), m(<<>>)}.
m(<<1, _/binary>>) -> one;
m(<<"xy", N>>) -> {xy, N};
m(_) -> other.
t_integers() ->
    Big = id(1 bsl 100),
    <<V:104>> = <<Big:104>>,
    <<W:104/little>> = <<Big:104/little>>,
    {V =:= Big, W =:= Big, <<(-1):100/signed>>, begin <<N:100/signed>> = <<(-5):100>>, N end}.
t_little_signed() ->
    <<A:12/little-signed, B:4>> = id(<<255, 255>>),
    <<C:7/signed, D:9>> = id(<<255, 1>>),
    {A, B, C, D, <<(-1):12/little>>, <<1000:10/little>>}.
t_floats() ->
    <<F:64/float>> = <<(id(2.5)):64/float>>,
    <<G:32/float-little>> = <<(id(0.25)):32/float-little>>,
    {F, G, <<(id(1)):32/float>>, reason(catch <<(id(a))/float>>)}.
t_bitstrings() ->
    B = <<(id(5)):3, (id(1)):2>>,
    {bit_size(B), byte_size(B), B, <<B/bitstring, 1:3>>, is_binary(B), is_bitstring(B),
     bitstring_to_list(<<1, 2:4>>)}.
t_utf() ->
    U = <<"é€𝄞"/utf8>>,
    {U, [C || <<C/utf8>> <= U], <<16#1D11E/utf16>>, <<16#1D11E/utf16-little>>, <<$a/utf32>>,
     begin <<X/utf16, Y/utf32-little>> = <<16#D834:16, 16#DD1E:16, 65:32/little>>, {X, Y} end}.
t_comprehension() ->
    {<< <<(X * 2)>> || <<X>> <= <<1, 2, 3>> >>, [X || <<X:4>> <= <<16#ab, 16#cd>>],
     << <<X:3>> || X <- [1, 2, 3, 4, 5] >>, << <<B/binary>> || B <- [<<"a">>, <<"bc">>] >>}.
t_sub_binaries() ->
    Bin = id(list_to_binary(lists:seq(1, 100))),
    <<_:10/binary, Mid:20/binary, _/binary>> = Bin,
    <<_:3, Odd:13/bitstring, _/bitstring>> = Mid,
    {byte_size(Mid), binary_to_list(Mid, 1, 1), Odd, binary_part(Bin, 95, 5), split_binary(<<1, 2, 3>>, 1)}.
t_big_binary() ->
    B = list_to_binary([lists:duplicate(1000, $x), "end"]),
    <<_:1000/binary, Tail/binary>> = B,
    {byte_size(B), Tail, size(term_to_binary(B))}.
t_bifs() ->
    {list_to_binary([1, [2, <<3>>], <<>>]), iolist_size([1, <<2, 3>>, [[4]]]), binary_to_list(<<"ab">>),
     atom_to_binary(abc), binary_to_atom(<<"xyz">>), integer_to_binary(255, 16),
     binary_to_integer(<<"-12">>), float_to_binary(0.1, [short]), binary_to_float(<<"2.5e1">>),
     iolist_to_binary(["a", <<"b">>, $c])}.
t_etf() ->
    T = {a, [1, 2.5, <<"x">>], #{k => v}, -123456789012345678901234567890, "str", {}},
    {binary_to_term(term_to_binary(T)) =:= T, term_to_binary({a, 1}), binary_to_term(<<131, 97, 5>>)}.
t_badarg() ->
    [reason(catch <<(id(a)):8>>), reason(catch <<(id(1)):(id(-1))>>),
     reason(catch <<(id(<<1:3>>))/binary>>)].

%% The reason only: BEAM adds an error_info cause to bit syntax failures that zvm does not (yet).
reason({'EXIT', {R, _}}) -> R;
reason(Other) -> Other.

t_md5() ->
    Ctx = erlang:md5_update(erlang:md5_init(), "ab"),
    {erlang:md5(<<"abc">>), erlang:md5([]), erlang:md5(lists:duplicate(1000, $x)),
     erlang:md5_final(erlang:md5_update(Ctx, <<"c">>))}.

t_etf_compressed() ->
    T = {lists:duplicate(100, abc), <<0:800>>, "text"},
    C = term_to_binary(T, [compressed]),
    {C, binary_to_term(C) =:= T, term_to_binary(a, [compressed]),
     byte_size(term_to_binary(T, [{compressed, 9}]))}.
