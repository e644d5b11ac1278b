%% logger: zvm's own logger (zvm does not run OTP's kernel application, whose logger is a set of
%% processes and ETS tables). The API the stock stdlib and kernel modules call, with OTP's
%% default behaviour: the primary level is `notice`, every event at or above it is formatted as
%% OTP's default handler does with its legacy header (=ERROR REPORT====, =CRASH REPORT====,
%% =SUPERVISOR REPORT====, ...) and written to standard output through `user`; reports are
%% formatted by their report_cb when they carry one (proc_lib, gen_server, supervisor do).
%% Handlers and filters cannot be added: those calls answer {error, ...} or ok as noted.
-module(logger).
-export([allow/2, macro_log/3, macro_log/4, macro_log/5, log/2, log/3, log/4,
         emergency/1, emergency/2, emergency/3, alert/1, alert/2, alert/3,
         critical/1, critical/2, critical/3, error/1, error/2, error/3,
         warning/1, warning/2, warning/3, notice/1, notice/2, notice/3,
         info/1, info/2, info/3, debug/1, debug/2, debug/3,
         set_primary_config/1, set_primary_config/2, get_primary_config/0,
         set_module_level/2, unset_module_level/0, unset_module_level/1,
         set_application_level/2, add_handler/3, remove_handler/1, get_handler_config/0,
         get_handler_config/1, set_handler_config/2, set_handler_config/3,
         update_handler_config/2, update_handler_config/3, add_primary_filter/2,
         remove_primary_filter/1, add_handler_filter/3, remove_handler_filter/2,
         update_formatter_config/2, update_formatter_config/3, compare_levels/2,
         format_report/1, format_otp_report/1, get_config/0, i/0]).

-compile({no_auto_import, [error/1, error/2, error/3]}).

-define(LEVEL_KEY, {?MODULE, primary_level}).

rank(L) ->
    case L of
        emergency -> 0; alert -> 1; critical -> 2; error -> 3;
        warning -> 4; notice -> 5; info -> 6; debug -> 7; all -> 8; none -> -1;
        _ -> erlang:error(badarg)
    end.

primary_level() -> persistent_term:get(?LEVEL_KEY, notice).

compare_levels(A, B) ->
    RA = rank(A), RB = rank(B),
    if RA < RB -> gt; RA > RB -> lt; true -> eq end.

allow(Level, _Module) -> rank(Level) =< rank(primary_level()).

%% --- the logging calls ---------------------------------------------------------------------

macro_log(Location, Level, StringOrReport) ->
    event(Level, StringOrReport, Location).
macro_log(Location, Level, FormatOrReport, ArgsOrMeta) ->
    case is_map(ArgsOrMeta) andalso not is_list(FormatOrReport) of
        true -> event(Level, FormatOrReport, maps:merge(Location, ArgsOrMeta));
        false when is_map(ArgsOrMeta) -> event(Level, {string, FormatOrReport},
                                               maps:merge(Location, ArgsOrMeta));
        false -> event(Level, {FormatOrReport, ArgsOrMeta}, Location)
    end.
macro_log(Location, Level, Format, Args, Meta) ->
    event(Level, {Format, Args}, maps:merge(Location, Meta)).

log(Level, StringOrReport) -> log_msg(Level, StringOrReport, #{}).
log(Level, FormatOrReport, ArgsOrMeta) when is_map(ArgsOrMeta) ->
    log_msg(Level, FormatOrReport, ArgsOrMeta);
log(Level, Format, Args) -> log_msg(Level, {Format, Args}, #{}).
log(Level, Format, Args, Meta) -> log_msg(Level, {Format, Args}, Meta).

log_msg(Level, Msg, Meta) ->
    case allow(Level, undefined) of
        true -> event(Level, Msg, Meta);
        false -> ok
    end.

emergency(A) -> log(emergency, A).
emergency(A, B) -> log(emergency, A, B).
emergency(A, B, C) -> log(emergency, A, B, C).
alert(A) -> log(alert, A).
alert(A, B) -> log(alert, A, B).
alert(A, B, C) -> log(alert, A, B, C).
critical(A) -> log(critical, A).
critical(A, B) -> log(critical, A, B).
critical(A, B, C) -> log(critical, A, B, C).
error(A) -> log(error, A).
error(A, B) -> log(error, A, B).
error(A, B, C) -> log(error, A, B, C).
warning(A) -> log(warning, A).
warning(A, B) -> log(warning, A, B).
warning(A, B, C) -> log(warning, A, B, C).
notice(A) -> log(notice, A).
notice(A, B) -> log(notice, A, B).
notice(A, B, C) -> log(notice, A, B, C).
info(A) -> log(info, A).
info(A, B) -> log(info, A, B).
info(A, B, C) -> log(info, A, B, C).
debug(A) -> log(debug, A).
debug(A, B) -> log(debug, A, B).
debug(A, B, C) -> log(debug, A, B, C).

%% Formats and writes one event. A failure to format is itself reported, never raised into the
%% caller (logging must not crash the process that logs).
event(Level, Msg, Meta) ->
    case rank(Level) =< rank(primary_level()) of
        false -> ok;
        true ->
            Text = try format_msg(Msg, Meta)
                   catch C:R -> io_lib:format("FORMAT ERROR: ~tp (~tp:~tp)", [Msg, C, R])
                   end,
            Header = ["=", title(Level, Meta), "==== ", timestamp(), " ===\n"],
            Out = unicode:characters_to_binary([Header, Text, "\n"]),
            case whereis(user) of
                undefined -> zvm:console_write(1, Out);
                User -> io:put_chars(User, Out)
            end
    end.

format_msg({string, S}, _Meta) -> S;
format_msg({report, R}, #{report_cb := CB}) when is_function(CB, 1) ->
    {F, A} = CB(R),
    io_lib:format(F, A);
format_msg({report, R}, #{report_cb := CB}) when is_function(CB, 2) ->
    CB(R, #{depth => unlimited, chars_limit => unlimited, single_line => false});
format_msg({report, R}, _Meta) -> format_report_text(R);
format_msg({F, A}, _Meta) when is_list(A) -> io_lib:format(F, A);
format_msg(R, Meta) when is_map(R); is_list(R) -> format_msg({report, R}, Meta);
format_msg(Other, _Meta) -> io_lib:format("~tp", [Other]).

format_report_text(R) when is_map(R) -> format_report_text(maps:to_list(R));
format_report_text(R) when is_list(R) ->
    case io_lib:printable_unicode_list(R) of
        true -> R;
        false -> lists:join("\n", [io_lib:format("    ~tp: ~tp", [K, V]) || {K, V} <- R])
    end;
format_report_text(R) -> io_lib:format("~tp", [R]).

title(Level, Meta) ->
    case Meta of
        #{logger_formatter := #{title := T}} -> T;
        #{error_logger := #{type := crash_report}} -> "CRASH REPORT";
        #{error_logger := #{type := supervisor_report}} -> "SUPERVISOR REPORT";
        #{error_logger := #{type := progress}} -> "PROGRESS REPORT";
        _ -> string:uppercase(atom_to_list(Level)) ++ " REPORT"
    end.

timestamp() ->
    Us = erlang:system_time(microsecond),
    {{Y, Mo, D}, {H, Mi, S}} = calendar:system_time_to_universal_time(Us, microsecond),
    Month = element(Mo, {"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct",
                         "Nov", "Dec"}),
    io_lib:format("~2..0B-~s-~4..0B::~2..0B:~2..0B:~2..0B.~6..0B",
                  [D, Month, Y, H, Mi, S, Us rem 1000000]).

%% --- configuration -------------------------------------------------------------------------

set_primary_config(Config) when is_map(Config) ->
    case Config of
        #{level := L} -> set_primary_config(level, L);
        _ -> ok
    end.
set_primary_config(level, L) ->
    _ = rank(L),
    persistent_term:put(?LEVEL_KEY, L),
    ok;
set_primary_config(_, _) -> ok.
get_primary_config() -> #{level => primary_level(), filters => [], filter_default => log,
                          metadata => #{}}.
get_config() -> #{primary => get_primary_config(), handlers => [], module_levels => []}.
set_module_level(_Modules, L) -> _ = rank(L), ok.
unset_module_level() -> ok.
unset_module_level(_) -> ok.
set_application_level(_App, L) -> _ = rank(L), ok.
add_handler(_Id, _Module, _Config) -> {error, {not_supported, zvm_logger}}.
remove_handler(Id) -> {error, {not_found, Id}}.
get_handler_config() -> [].
get_handler_config(Id) -> {error, {not_found, Id}}.
set_handler_config(Id, _) -> {error, {not_found, Id}}.
set_handler_config(Id, _, _) -> {error, {not_found, Id}}.
update_handler_config(Id, _) -> {error, {not_found, Id}}.
update_handler_config(Id, _, _) -> {error, {not_found, Id}}.
add_primary_filter(_, _) -> {error, {not_supported, zvm_logger}}.
remove_primary_filter(_) -> ok.
add_handler_filter(Id, _, _) -> {error, {not_found, Id}}.
remove_handler_filter(Id, _) -> {error, {not_found, Id}}.
update_formatter_config(Id, _) -> {error, {not_found, Id}}.
update_formatter_config(Id, _, _) -> {error, {not_found, Id}}.
format_report(R) -> {"~ts", [format_report_text(R)]}.
format_otp_report(R) -> format_report(R).
i() -> io:format("zvm logger: primary level ~p, no handlers~n", [primary_level()]).
