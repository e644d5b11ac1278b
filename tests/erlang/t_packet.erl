%% t_packet: erlang:decode_packet/3 over every packet type and option, compared with stock erl:
%% HTTP request, status and header lines (every known header name in odd cases, unknown names,
%% URIs of every form, odd methods, HTTP/0.9 lines, continuation lines, garbage), incomplete
%% input at every cut, packet_size and line_length limits, length-prefixed packets, the
%% header-kept types, bitstrings that start or end inside a byte, bad arguments, and random
%% bytes (a fixed-seed generator written here, so both VMs see the same input).
-module(t_packet).
-export([t_request_lines/0, t_request_lines_bin/0, t_methods/0, t_uris/0, t_uris_bin/0,
         t_versions/0, t_response_lines/0, t_known_headers/0, t_known_headers_bin/0,
         t_unknown_headers/0, t_header_names_edge/0, t_header_values/0, t_continuation/0,
         t_eoh/0, t_leading_empty_lines/0, t_garbage/0, t_incomplete_request/0,
         t_incomplete_headers/0, t_http_limits/0, t_web_app_head/0, t_raw/0, t_length_prefix/0,
         t_length_prefix_limits/0, t_line/0, t_line_limits/0, t_asn1/0, t_sunrm/0, t_cdr/0,
         t_fcgi/0, t_tpkt/0, t_ssl_tls/0, t_bitstrings/0, t_bad_args/0, t_long_values/0,
         t_random_bytes/0, t_random_http/0, t_random_long/0]).

dp(T, B) -> dp(T, B, []).
dp(T, B, O) ->
    try erlang:decode_packet(T, B, O)
    catch C:R -> {C, R}
    end.

all_http(B) -> [dp(T, B) || T <- [http, http_bin]].
all_httph(B) -> [dp(T, B) || T <- [httph, httph_bin]].

t_request_lines() ->
    [dp(http, L) || L <- request_lines()].

t_request_lines_bin() ->
    [dp(http_bin, L) || L <- request_lines()].

request_lines() ->
    [<<"GET / HTTP/1.1\r\n">>, <<"GET / HTTP/1.1\n">>, <<"GET / HTTP/1.0\r\nHost: x\r\n\r\n">>,
     <<"POST /submit?a=1&b=2 HTTP/1.1\r\n">>, <<"GET\t/tab\tHTTP/1.1\r\n">>,
     <<"GET   /spaces   HTTP/1.1   \r\n">>, <<"GET / HTTP/1.1 trailing\r\n">>,
     <<"GET / HTTP/1.1x\r\n">>, <<"GET / HTTP/11.22\r\n">>, <<"GET /\r\n">>, <<"GET / \r\n">>,
     <<"GET /a b HTTP/1.1\r\n">>, <<"GET / http/1.1\r\n">>, <<"GET / HTTP/1\r\n">>,
     <<"GET / HTTP/.1\r\n">>, <<"GET / HTTP/1.\r\n">>, <<"GET / HTTP/1.1\r\r\n">>,
     <<"GET / HTTP/\r\n">>, <<"GET / HTTPS/1.1\r\n">>, <<"GET / HTT\r\n">>,
     <<"GET / HTTP/1.1.1\r\n">>, <<"GET / XTTP/1.1\r\n">>, <<"GET /\r HTTP/1.1\r\n">>,
     <<"GET /caf", 233, " HTTP/1.1\r\n">>, <<"GET / HTTP/1.1\r\nrest">>].

t_methods() ->
    Ms = [<<"OPTIONS">>, <<"GET">>, <<"HEAD">>, <<"POST">>, <<"PUT">>, <<"DELETE">>,
          <<"TRACE">>, <<"CONNECT">>, <<"PATCH">>, <<"get">>, <<"Get">>, <<"M-SEARCH">>,
          <<"X_Y.Z">>, <<"GETT">>, <<"GE">>, <<"PROPFIND">>, <<"a">>, <<"1">>, <<"~!#$%&'*+">>,
          <<127>>, <<"G\"ET">>, <<"G(ET">>, <<"GET:">>, <<"GET/">>, <<200, "ET">>],
    [[dp(T, <<M/binary, " /x HTTP/1.1\r\n">>) || T <- [http, http_bin]] || M <- Ms].

uris() ->
    [<<"*">>, <<"**">>, <<"/">>, <<"/a/b?c=d#e">>, <<"a">>, <<"ab">>, <<"http://host">>,
     <<"http://host/">>, <<"http://host:8080/p?q">>, <<"http://host:80">>,
     <<"http://host:0/">>, <<"http://host:/x">>, <<"http://host:8a/x">>,
     <<"http://host:65536/">>, <<"http://host:99999999999/">>, <<"http://:80/">>,
     <<"http:///path">>, <<"http://">>, <<"HTTP://Host:1/P">>, <<"HtTpS://h/">>,
     <<"https://example.com">>, <<"https://example.com:443/a/b">>, <<"https://h:x:1/">>,
     <<"ftp://files/x">>, <<"mailto:someone@example.com">>, <<"urn:isbn:123">>,
     <<"host:port">>, <<":">>, <<"a:">>, <<"//double/slash">>, <<"?q">>, <<"http:/x">>,
     <<"https:/x">>, <<"example.com">>, <<"http://user@host:81/p">>].

t_uris() ->
    [dp(http, <<"GET ", U/binary, " HTTP/1.1\r\n">>) || U <- uris()].

t_uris_bin() ->
    [dp(http_bin, <<"OPTIONS ", U/binary, " HTTP/1.0\r\n">>) || U <- uris()].

t_versions() ->
    Vs = [<<"HTTP/0.9">>, <<"HTTP/1.0">>, <<"HTTP/2.0">>, <<"HTTP/3">>, <<"HTTP/10.10">>,
          <<"HTTP/4294967295.1">>, <<"HTTP/4294967296.0">>, <<"HTTP/99999999999.1">>,
          <<"HTTP/1.2147483648">>, <<"HTTP/007.008">>],
    [[dp(http, <<"GET / ", V/binary, "\r\n">>), dp(http, <<V/binary, " 200 OK\r\n">>)]
     || V <- Vs].

t_response_lines() ->
    Ls = [<<"HTTP/1.1 200 OK\r\n">>, <<"HTTP/1.0 404 Not Found\n">>,
          <<"HTTP/1.1 500 Internal Server Error\r\n">>, <<"HTTP/1.1 200\r\n">>,
          <<"HTTP/1.1 200 \r\n">>, <<"HTTP/1.1  200   OK  \r\n">>, <<"HTTP/1.1\t302\tFound\r\n">>,
          <<"HTTP/1.1 OK\r\n">>, <<"HTTP/1.1 200OK\r\n">>, <<"HTTP/1.1 2000000 Big\r\n">>,
          <<"HTTP/1.1 99999999999 Huge\r\n">>, <<"HTTP/1.1\r\n">>, <<"HTTP/1.1 \r\n">>,
          <<"HTTP/1 200 OK\r\n">>, <<"HTTP/ 200 OK\r\n">>, <<"HTTP/\r\n">>, <<"HTTP\r\n">>,
          <<"HTTP/1.1 -1 Neg\r\n">>, <<"HTTP/1.1 200 caf", 233, "\r\n">>,
          <<"http/1.1 200 OK\r\n">>, <<"HTTP/1.1 204 No Content\r\nDate: x\r\n\r\n">>],
    [all_http(L) || L <- Ls].

known_fields() ->
    ["Cache-Control", "Connection", "Date", "Pragma", "Transfer-Encoding", "Upgrade", "Via",
     "Accept", "Accept-Charset", "Accept-Encoding", "Accept-Language", "Authorization", "From",
     "Host", "If-Modified-Since", "If-Match", "If-None-Match", "If-Range",
     "If-Unmodified-Since", "Max-Forwards", "Proxy-Authorization", "Range", "Referer",
     "User-Agent", "Age", "Location", "Proxy-Authenticate", "Public", "Retry-After", "Server",
     "Vary", "Warning", "Www-Authenticate", "Allow", "Content-Base", "Content-Encoding",
     "Content-Language", "Content-Length", "Content-Location", "Content-Md5", "Content-Range",
     "Content-Type", "Etag", "Expires", "Last-Modified", "Accept-Ranges", "Set-Cookie",
     "Set-Cookie2", "X-Forwarded-For", "Cookie", "Keep-Alive", "Proxy-Connection"].

%% Each name as written, lower case, upper case, and with every other letter flipped.
cases(Name) ->
    Flip = fun(C, I) when I rem 2 =:= 0 -> string:to_upper(C);
              (C, _) -> string:to_lower(C)
           end,
    Odd = [Flip(C, I) || {C, I} <- lists:zip(Name, lists:seq(1, length(Name)))],
    lists:usort([Name, string:to_lower(Name), string:to_upper(Name), Odd]).

t_known_headers() ->
    [[dp(httph, list_to_binary([N, ": v\r\n\r\n"])) || N <- cases(F)] || F <- known_fields()].

t_known_headers_bin() ->
    [[dp(httph_bin, list_to_binary([N, ":\tvalue \r\nNext: 1\r\n"])) || N <- cases(F)]
     || F <- known_fields()].

t_unknown_headers() ->
    Ns = ["X-Custom", "x-custom", "X-CUSTOM", "sec-websocket-key", "SEC-WEBSOCKET-KEY",
          "Content-MD5", "ETag", "WWW-Authenticate", "X-Forwarded-Proto", "Dnt", "dnt",
          "Content-Lengthx", "Hostx", "Hos", "x--double--dash", "-leading", "trailing-",
          "a-b-c-d-e", "1x-2y", "x_under_score", "x.dot", "x'quote", "x~tilde", "x!bang",
          "A", "a", "-", "--", [127], "x" ++ [127] ++ "y"],
    [all_httph(list_to_binary([N, ": v\r\n\r\n"])) || N <- Ns].

t_header_names_edge() ->
    Lines = [<<": empty name\r\n">>, <<" Host: leading space\r\n">>,
             <<"\tHost: leading tab\r\n">>, <<"Host : space before colon\r\n">>,
             <<"Host\t: tab before colon\r\n">>, <<"Host\r\n">>, <<"Host">>, <<"Host:">>,
             <<"Host:\r\n">>, <<"Host:x\r\n">>, <<"Ho(st: x\r\n">>, <<"Ho/st: x\r\n">>,
             <<"Ho@st: x\r\n">>, <<"Ho=st: x\r\n">>, <<"H", 200, "st: x\r\n">>,
             <<"Host", 0, ": x\r\n">>, <<"no colon at all\r\n">>, <<"Host;x: y\r\n">>,
             <<"Host:: y\r\n">>, <<"Host: a: b\r\n">>],
    Long = [lists:duplicate(N, $a) || N <- [49, 50, 51, 60, 200]]
        ++ [string:join(lists:duplicate(N, "ab"), "-") || N <- [16, 17, 18, 40]]
        ++ [lists:duplicate(49, $x) ++ "-y", lists:duplicate(50, $x) ++ "-y"],
    [all_httph(<<L/binary, "\r\n">>) || L <- Lines]
        ++ [all_httph(list_to_binary([N, ": v\r\n\r\n"])) || N <- Long].

t_header_values() ->
    Vs = [<<"">>, <<" ">>, <<"   x">>, <<"x   ">>, <<"\t\tx\t\t">>, <<" \t x \t ">>,
          <<"a b  c">>, <<"caf", 233>>, <<0, 1, 2>>, <<"x\ry">>, <<"x\r">>, <<"\r">>,
          <<"quoted \"v\"">>, <<"k=v; k2=v2">>],
    [all_httph(<<"X-V:", V/binary, "\r\n\r\n">>) || V <- Vs]
        ++ [all_httph(<<"Host:", V/binary, "\n\n">>) || V <- Vs].

t_continuation() ->
    Ls = [<<"X-A: one\r\n two\r\n\r\n">>, <<"X-A: one\r\n\ttwo\r\n\r\n">>,
          <<"X-A: one\r\n two\r\n  three\r\nX-B: b\r\n">>, <<"X-A: one\n two\n\n">>,
          <<"X-A: one\r\n two\r\n">>, <<"X-A: one\r\n two">>, <<"X-A: one\r\n ">>,
          <<"X-A: one\r\n">>, <<"X-A: one\r\nX">>, <<"\r\n more\r\n">>, <<"\n more\n">>,
          <<"X:\r\n \r\n\r\n">>, <<"Host: a\r\n b\r\n c\r\n d\r\n\r\n">>],
    [all_httph(L) || L <- Ls] ++ [all_http(L) || L <- Ls].

t_eoh() ->
    [all_httph(B) || B <- [<<"\r\n">>, <<"\n">>, <<"\r\nbody">>, <<"\nbody">>, <<"\r\n\r\n">>,
                           <<"\r">>, <<"\r\r\n">>, <<"">>, <<"\r\n ">>, <<"\n\t">>]].

t_leading_empty_lines() ->
    Bs = [<<"\r\nGET / HTTP/1.1\r\n">>, <<"\nGET / HTTP/1.1\r\n">>,
          <<"\r\n\r\nGET / HTTP/1.1\r\n">>, <<"\r\n">>, <<"\n">>, <<" \r\nGET / HTTP/1.1\r\n">>],
    [all_http(B) || B <- Bs] ++ [skip_empty_then_request(B) || B <- Bs].

%% What a server does with them (inets and our web app): skip the errors that are empty lines.
skip_empty_then_request(B) ->
    case erlang:decode_packet(http_bin, B, []) of
        {ok, {http_error, L}, Rest} when L =:= <<"\r\n">>; L =:= <<"\n">> ->
            skip_empty_then_request(Rest);
        Other -> Other
    end.

t_garbage() ->
    Bs = [<<"garbage\r\n">>, <<"\r\r\r\n">>, <<0, 0, 0, "\n">>, <<255, 254, "\n">>,
          <<"GET\r\n">>, <<" GET / HTTP/1.1\r\n">>, <<"/ HTTP/1.1\r\n">>, <<"GET\n">>,
          <<"{\"json\": 1}\n">>, <<"HTTP/1.1 200 OK">>, <<"\x16\x03\x01\x00\x05hello\n">>,
          <<"GET / HTTP/1.1\r\nHost: x\r\n\r\n">>],
    [[dp(T, B) || T <- [http, http_bin, httph, httph_bin]] || B <- Bs].

prefixes(B) -> [binary:part(B, 0, N) || N <- lists:seq(0, byte_size(B))].

t_incomplete_request() ->
    Req = <<"GET /index.html HTTP/1.1\r\nHost: example.com\r\n\r\n">>,
    [[dp(T, P) || T <- [http, http_bin]] || P <- prefixes(Req)].

t_incomplete_headers() ->
    H = <<"Content-Type: text/plain\r\n continued\r\nX: y\r\n\r\nbody">>,
    [[dp(T, P) || T <- [httph, httph_bin]] || P <- prefixes(H)].

t_http_limits() ->
    Req = <<"GET /0123456789 HTTP/1.1\r\nHost: h\r\n">>,
    Hdr = <<"X-Long: 0123456789\r\n\r\n">>,
    Sizes = [0, 1, 10, 24, 25, 26, 27, 30, 100],
    [[dp(http, Req, [{packet_size, S}]), dp(http, Req, [{line_length, S}]),
      dp(http_bin, binary:part(Req, 0, 20), [{packet_size, S}]),
      dp(httph, Hdr, [{packet_size, S}]), dp(httph_bin, Hdr, [{line_length, S}]),
      dp(httph, binary:part(Hdr, 0, 15), [{line_length, S}]),
      dp(http, Req, [{packet_size, S}, {line_length, 5}])]
     || S <- Sizes].

%% The loop of guest/apps/zerg_web: a request line, then header lines to http_eoh.
t_web_app_head() ->
    Heads = [<<"GET /path?x=1 HTTP/1.1\r\nHost: localhost\r\nUser-Agent: t\r\n"
               "Content-Length: 5\r\nx-custom-thing: a\r\n b\r\n\r\nhello">>,
             <<"POST /p HTTP/1.0\nhost: h\ncontent-type: text/plain\n\n">>,
             <<"GET / HTTP/1.1\r\nBad Header\r\n\r\n">>,
             <<"DELETE http://x:1/y HTTP/1.1\r\nConnection: close\r\n\r\n">>],
    [[head(T, H) || T <- [{http, httph}, {http_bin, httph_bin}]] || H <- Heads].

head({First, Then}, Bin) ->
    case erlang:decode_packet(First, Bin, []) of
        {ok, Req, Rest} -> headers(Then, Rest, [Req]);
        Other -> Other
    end.

headers(Type, Bin, Acc) ->
    case erlang:decode_packet(Type, Bin, []) of
        {ok, http_eoh, Rest} -> {lists:reverse(Acc), Rest};
        {ok, {http_error, _} = E, Rest} -> {lists:reverse([E | Acc]), Rest};
        {ok, H, Rest} -> headers(Type, Rest, [H | Acc]);
        Other -> {lists:reverse(Acc), Other}
    end.

t_raw() ->
    [[dp(T, B, O) || T <- [raw, 0], O <- [[], [{packet_size, 1}]]]
     || B <- [<<>>, <<1>>, <<"hello">>, binary:copy(<<"x">>, 1000)]].

t_length_prefix() ->
    Bins = [<<>>, <<0>>, <<1>>, <<1, 9>>, <<3, "abcd">>, <<5, "abcd">>, <<0, 0>>, <<0, 3, "abc">>,
            <<0, 3, "ab">>, <<0, 1>>, <<1, 0, 0:2048>>, <<0, 0, 0, 2, "hi", "rest">>,
            <<0, 0, 0>>, <<0, 0, 0, 0>>, <<0, 0, 1, 0, 1, 2, 3>>, <<255>>, <<255, 255>>,
            <<255, 255, 255, 255>>, <<127, 255, 255, 251>>, <<127, 255, 255, 252>>,
            <<128, 0, 0, 0>>],
    [[dp(T, B) || T <- [1, 2, 4]] || B <- Bins].

t_length_prefix_limits() ->
    [[dp(T, B, [{packet_size, S}]) || T <- [1, 2, 4], S <- [0, 1, 2, 3, 4, 300]]
     || B <- [<<3, "abc">>, <<0, 3, "abc">>, <<0, 0, 0, 3, "abc">>, <<0, 0, 1, 44>>]].

t_line() ->
    Bins = [<<>>, <<"\n">>, <<"abc">>, <<"abc\n">>, <<"abc\ndef\n">>, <<"abc\r\n">>,
            <<"\n\n">>, <<"no newline at all">>, <<"a;b;c">>, <<0, 1, 0>>],
    Opts = [[], [{line_delimiter, $;}], [{line_delimiter, 0}], [{line_delimiter, 255}],
            [{line_delimiter, $\n}, {line_delimiter, $b}]],
    [[dp(line, B, O) || O <- Opts] || B <- Bins].

t_line_limits() ->
    Bins = [<<"abcdef\n">>, <<"abcdef">>, <<"abc\ndef">>, <<"ab\n">>, <<"abcdefghijklmn\n">>],
    Opts = [[{line_length, N}] || N <- [0, 1, 2, 3, 6, 7, 8]]
        ++ [[{packet_size, N}] || N <- [0, 2, 3, 6, 7, 8]]
        ++ [[{packet_size, 4}, {line_length, 3}], [{packet_size, 3}, {line_length, 4}],
            [{line_length, 3}, {line_delimiter, $c}]],
    [[dp(line, B, O) || O <- Opts] || B <- Bins].

t_asn1() ->
    Bins = [<<>>, <<16#30>>, <<16#30, 0>>, <<16#30, 3, 1, 2, 3, 4>>, <<16#30, 3, 1, 2>>,
            <<16#30, 16#81, 2, 9, 9>>, <<16#30, 16#81>>, <<16#30, 16#82, 0, 1, 7>>,
            <<16#30, 16#83, 0, 0, 1, 7>>, <<16#30, 16#84, 0, 0, 0, 1, 7>>,
            <<16#30, 16#85, 0, 0, 0, 0, 1, 7>>, <<16#30, 16#85, 0>>, <<16#30, 16#80, 1>>,
            <<16#1f, 16#81, 16#82, 16#03, 1, 7>>, <<16#1f, 16#81>>, <<16#1f, 16#81, 16#01>>,
            <<16#1f, 16#01, 16#01, 7, 8>>, <<16#3f, 16#ff, 16#ff>>, <<16#30, 16#ff, 1>>,
            <<16#30, 16#84, 16#7f, 16#ff, 16#ff, 16#ff>>, <<16#30, 16#84, 16#ff, 0, 0, 0>>],
    [[dp(asn1, B, O) || O <- [[], [{packet_size, 1}]]] || B <- Bins].

t_sunrm() ->
    [[dp(sunrm, B, O) || O <- [[], [{packet_size, 2}]]]
     || B <- [<<>>, <<0, 0, 0>>, <<0, 0, 0, 0>>, <<128, 0, 0, 2, 1, 2, 3>>, <<0, 0, 0, 3, 1>>,
              <<255, 255, 255, 255>>]].

t_cdr() ->
    H = fun(Flags, Size) -> <<"GIOP", 1, 2, Flags, 0, Size:4/binary>> end,
    [[dp(cdr, B, O) || O <- [[], [{packet_size, 2}]]]
     || B <- [<<>>, <<"GIOP">>, H(0, <<0, 0, 0, 2>>), <<(H(0, <<0, 0, 0, 2>>))/binary, 1, 2, 3>>,
              <<(H(1, <<2, 0, 0, 0>>))/binary, 1, 2>>, <<(H(1, <<0, 0, 0, 2>>))/binary, 1, 2>>,
              <<"XIOP", 1, 2, 0, 0, 0, 0, 0, 0>>, <<(H(0, <<0, 0, 0, 0>>))/binary>>]].

t_fcgi() ->
    [[dp(fcgi, B, O) || O <- [[], [{packet_size, 3}]]]
     || B <- [<<>>, <<1, 1, 0, 1, 0, 2, 1, 0>>, <<1, 1, 0, 1, 0, 2, 1, 0, "ab", 0, "rest">>,
              <<1, 1, 0, 1, 0, 2, 0, 0, "ab">>, <<2, 1, 0, 1, 0, 2, 0, 0, "ab">>,
              <<1, 1, 0, 1, 0, 0, 0, 0>>, <<1, 1, 0, 1, 0, 0, 4, 0, 1, 2, 3, 4>>]].

t_tpkt() ->
    [[dp(tpkt, B, O) || O <- [[], [{packet_size, 1}]]]
     || B <- [<<>>, <<3, 0, 0>>, <<3, 0, 0, 4>>, <<3, 0, 0, 6, 1, 2, 9>>, <<3, 0, 0, 6, 1>>,
              <<3, 0, 0, 3>>, <<3, 0, 0, 0>>, <<2, 0, 0, 6, 1, 2>>, <<3, 0, 255, 255>>]].

t_ssl_tls() ->
    [[dp(ssl_tls, B, O) || O <- [[], [{packet_size, 1}]]]
     || B <- [<<>>, <<22, 3, 1, 0>>, <<22, 3, 1, 0, 2, 1, 2, 3>>, <<23, 3, 3, 0, 0>>,
              <<22, 3, 1, 0, 4, 1, 2>>, <<128, 7, 1, 3, 0, 9, 9, 9, 9>>,
              <<128, 2, 1, 3, 0>>, <<128, 3, 1, 3, 0>>, <<128, 0, 1, 3, 0>>,
              <<255, 255, 1, 3, 0>>]].

%% Bitstrings: the bits past the last whole byte go into Rest; a sub-binary that starts inside
%% a byte is read as its bytes.
t_bitstrings() ->
    Req = <<"GET /x HTTP/1.1\r\nHost: h\r\n\r\n">>,
    <<_:3, Shifted/bitstring>> = <<0:3, Req/binary, 5:5>>,
    <<_:5, Odd/bitstring>> = <<0:5, 3, "abcd", 1:1>>,
    [dp(raw, <<1, 2, 3:4>>), dp(1, <<1, 2, 3:4>>), dp(raw, <<3:4>>), dp(1, <<2, 7, 8, 1:1>>),
     dp(line, <<"ab\ncd", 1:2>>), dp(http, Shifted), dp(http_bin, Shifted),
     dp(http_bin, <<"GET /0123456789012345678901234567890 HTTP/1.1\r\n", 9:7>>),
     dp(httph_bin, binary:part(Req, 17, byte_size(Req) - 17)), dp(1, Odd), dp(raw, Odd),
     dp(line, Odd), dp(4, <<0, 0, 0, 1, 9, 1:3>>), dp(asn1, <<16#30, 1, 2, 3:2>>)].

t_bad_args() ->
    Types = [foo, 3, -1, 5, 1.0, "http", <<"raw">>, {http}, 'HTTP', ssl],
    Opts = [foo, [foo], [{packet_size}], [{packet_size, -1}], [{packet_size, 1.0}],
            [{packet_size, 4294967295}], [{packet_size, 4294967296}],
            [{packet_size, 1 bsl 70}], [{line_length, -5}], [{line_length, a}],
            [{line_delimiter, $;}], [{line_delimiter, 256}], [{line_delimiter, -1}],
            [{unknown, 1}], [{packet_size, 1, 2}], #{}, <<>>, [[]],
            [{packet_size, 2}, bad]],
    [dp(T, <<"x\n">>) || T <- Types]
        ++ [dp(raw, B) || B <- [foo, "abc", 1, [<<"a">>], {<<"a">>}]]
        ++ [[dp(T, <<"x\n">>, O) || T <- [raw, line, http]] || O <- Opts]
        ++ [dp(foo, bar, baz), dp(raw, bar, baz), dp(line, <<"x">>, [{line_delimiter, $x}])].

%% Long strings: http_bin values that erts returns as sub-binaries of the input.
t_long_values() ->
    V = binary:copy(<<"0123456789">>, 50),
    U = <<"/", V/binary>>,
    [dp(http_bin, <<"GET ", U/binary, " HTTP/1.1\r\n">>),
     dp(http_bin, <<"GET http://", V/binary, ":8/", V/binary, " HTTP/1.1\r\n">>),
     dp(httph_bin, <<"X-Long: ", V/binary, "\r\n\r\n">>),
     dp(httph_bin, <<V/binary, ": v\r\n\r\n">>),
     dp(http_bin, <<"HTTP/1.1 200 ", V/binary, "\r\n">>),
     dp(http_bin, <<V/binary, "\r\n">>),
     dp(httph, <<"X-Long: ", V/binary, "\r\n\r\n">>),
     dp(line, <<V/binary, "\n">>, [{line_length, 100}]),
     dp(4, <<500:32, V/binary>>)].

%% --- random input ------------------------------------------------------------------------------

%% A 32-bit xorshift, so the same bytes reach both VMs.
next(X0) ->
    X1 = X0 bxor ((X0 bsl 13) band 16#ffffffff),
    X2 = X1 bxor (X1 bsr 17),
    X2 bxor ((X2 bsl 5) band 16#ffffffff).

rand_bytes(0, X, _Alphabet, Acc) -> {list_to_binary(Acc), X};
rand_bytes(N, X, Alphabet, Acc) ->
    X1 = next(X),
    B = case Alphabet of
            any -> X1 band 255;
            _ -> element(1 + X1 rem tuple_size(Alphabet), Alphabet)
        end,
    rand_bytes(N - 1, X1, Alphabet, [B | Acc]).

types() ->
    [raw, 1, 2, 4, asn1, sunrm, cdr, fcgi, line, tpkt, http, httph, http_bin, httph_bin, ssl_tls].

options(X) ->
    case X rem 5 of
        0 -> [];
        1 -> [{packet_size, X rem 40}];
        2 -> [{line_length, X rem 40}];
        3 -> [{packet_size, X rem 64}, {line_length, X rem 13}];
        4 -> [{packet_size, 1 + X rem 3000}]
    end.

%% For each type: how many inputs gave each kind of answer, and a hash of every answer (phash2
%% is OTP's on zvm too), over Count random inputs of 0..MaxLen - 1 bytes.
random_run(Alphabet, Seed) -> random_run(Alphabet, Seed, 400, 48).

random_run(Alphabet, Seed, Count, MaxLen) ->
    [begin
         {Results, _} =
             lists:mapfoldl(fun(_, X) ->
                                    X1 = next(X),
                                    {B, X2} = rand_bytes(X1 rem MaxLen, X1, Alphabet, []),
                                    {dp(T, B, options(next(X2))), next(X2)}
                            end, Seed + erlang:phash2(T), lists:seq(1, Count)),
         Kinds = lists:foldl(fun(R, Acc) ->
                                     K = element(1, R),
                                     maps:update_with(K, fun(C) -> C + 1 end, 1, Acc)
                             end, #{}, Results),
         {T, Kinds, erlang:phash2(Results)}
     end || T <- types()].

t_random_bytes() ->
    random_run(any, 16#2545F491).

t_random_http() ->
    Alphabet = list_to_tuple(
                 binary_to_list(<<"GET HTTP/1.1\r\n\r\n: \t-/*?=abxHost:Content-Length0129http://"
                                  "\n\n\r  ;@", 200, 0, 127>>)),
    random_run(Alphabet, 16#1234567).

%% Longer inputs, more of them: 15 x 1500 decode_packet calls on up to 299 bytes.
t_random_long() ->
    Alphabet = list_to_tuple(binary_to_list(<<"GET / HTTP/1.0\r\nX-Y: z\r\n \t:", 0, 3, 255>>)),
    random_run(Alphabet, 16#51f15e, 1500, 300).
