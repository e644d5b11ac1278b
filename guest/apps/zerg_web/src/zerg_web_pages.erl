%% zerg_web_pages: the HTML and JSON bodies, rendered with io_lib:format from a snapshot of
%% zerg_web_state. Every value that comes from outside is escaped here.
-module(zerg_web_pages).
-export([index/1, hello/2, counter/1, error_page/2, json/1, html_escape/1, json_string/1]).

-define(STYLE, "body{font-family:sans-serif;max-width:40em;margin:2em auto}"
               "code{background:#eee;padding:0 .2em}").

page(Title, Body) ->
    io_lib:format("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>~ts</title>"
                  "<style>~s</style></head>\n<body>\n<h1>~ts</h1>\n~ts\n</body></html>\n",
                  [html_escape(Title), ?STYLE, html_escape(Title), Body]).

footer(#{instance := Id, peer := Peer, uptime_us := Up, requests := N}) ->
    io_lib:format("<p><small>instance <code>~ts</code>, client <code>~ts</code>, up ~B us, "
                  "request ~B of this instance, ~ts</small></p>",
                  [html_escape(Id), html_escape(Peer), Up, N, vm()]).

vm() ->
    io_lib:format("~ts OTP ~ts", [erlang:system_info(machine), erlang:system_info(otp_release)]).

-spec index(map()) -> iodata().
index(S) ->
    page(<<"zerg_web">>,
         ["<p>A fresh Erlang VM serves this connection, and only this one.</p>\n"
          "<ul><li><a href=\"/hello/world\">/hello/NAME</a></li>"
          "<li><a href=\"/counter\">/counter</a> (POST <code>by=N</code> adds N)</li>"
          "<li><a href=\"/json\">/json</a></li></ul>\n",
          footer(S)]).

-spec hello(binary(), map()) -> iodata().
hello(Name, S) ->
    page(<<"Hello">>,
         [io_lib:format("<p>Hello, <strong>~ts</strong>!</p>\n", [html_escape(Name)]),
          footer(S)]).

-spec counter(map()) -> iodata().
counter(#{counter := C} = S) ->
    page(<<"Counter">>,
         [io_lib:format("<p>counter = <strong id=\"counter\">~B</strong></p>\n", [C]),
          footer(S)]).

-spec error_page(pos_integer(), iodata()) -> iodata().
error_page(Status, Why) ->
    page(io_lib:format("~B ~s", [Status, zerg_web_http:reason_phrase(Status)]),
         io_lib:format("<p>~ts</p>", [html_escape(Why)])).

-spec json(map()) -> iodata().
json(#{instance := Id, daemon := D, peer := P, uptime_us := Up, requests := N,
       counter := C}) ->
    io_lib:format("{\"instance\":~ts,\"daemon\":~ts,\"peer\":~ts,\"vm\":~ts,"
                  "\"otp_release\":~ts,\"uptime_us\":~B,\"requests\":~B,\"counter\":~B}\n",
                  [json_string(Id), json_string(D), json_string(P),
                   json_string(erlang:system_info(machine)),
                   json_string(erlang:system_info(otp_release)), Up, N, C]).

-spec html_escape(iodata() | unicode:chardata()) -> iodata().
html_escape(Text) ->
    [case Ch of
         $< -> "&lt;";
         $> -> "&gt;";
         $& -> "&amp;";
         $" -> "&quot;";
         $' -> "&#39;";
         _ -> Ch
     end || Ch <- chars(Text)].

-spec json_string(iodata() | unicode:chardata()) -> iodata().
json_string(Text) ->
    [$", [json_char(Ch) || Ch <- chars(Text)], $"].

json_char($") -> "\\\"";
json_char($\\) -> "\\\\";
json_char(Ch) when Ch < 16#20 -> io_lib:format("\\u~4.16.0b", [Ch]);
json_char(Ch) -> Ch.

%% Code points of UTF-8 text (a binary or chardata); bytes that are not UTF-8 are taken as
%% Latin-1, so that any input renders.
chars(Text) ->
    case unicode:characters_to_list(Text) of
        L when is_list(L) -> L;
        _ -> binary_to_list(iolist_to_binary(Text))
    end.
