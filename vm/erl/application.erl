%% application: zvm's own application controller (zvm does not run OTP's kernel application).
%% The same API as OTP's `application` module, as far as an instance's code and the stock
%% stdlib use it:
%%   load/1,2, unload/1, start/1,2, ensure_started/1,2, ensure_all_started/1,2, stop/1,
%%   get_env/1,2,3, get_all_env/0,1, set_env/2,3,4, unset_env/2,3, get_key/1,2, get_all_key/0,1,
%%   get_application/0,1, which_applications/0,1, loaded_applications/0, start_type/1.
%% The `.app` file comes from the code path (zvm:app_file/1). kernel and stdlib count as loaded
%% and started: the VM itself provides what they would. Starting an application runs its `mod`
%% callback in an application master process, which is the group leader of the application's
%% processes (io requests are passed on to `user`), so get_env/1 knows the caller's application.
%% The state lives in one process registered as application_controller, started on first use.
-module(application).
-export([load/1, load/2, unload/1, start/1, start/2, ensure_started/1, ensure_started/2,
         ensure_all_started/1, ensure_all_started/2, stop/1, get_env/1, get_env/2, get_env/3,
         get_all_env/0, get_all_env/1, set_env/1, set_env/2, set_env/3, set_env/4, unset_env/2,
         unset_env/3, get_key/1, get_key/2, get_all_key/0, get_all_key/1, get_application/0,
         get_application/1, which_applications/0, which_applications/1, loaded_applications/0,
         start_type/1]).
-export([controller/1, master/3]).

-define(BUILTIN, [kernel, stdlib]).

%% --- the controller process ----------------------------------------------------------------

%% State: #{App => #{keys => [{Key, Val}], env => #{Key => Val}, master => Pid | undefined,
%%                    type => temporary | permanent | transient}}
call(Request) ->
    Ctl = controller(),
    Ref = erlang:monitor(process, Ctl),
    Ctl ! {self(), Ref, Request},
    receive
        {Ref, Reply} ->
            erlang:demonitor(Ref, [flush]),
            Reply;
        {'DOWN', Ref, process, _, Why} ->
            exit({application_controller, Why})
    end.

controller() ->
    case whereis(application_controller) of
        undefined ->
            Pid = spawn(?MODULE, controller, [builtin_state()]),
            try register(application_controller, Pid) of
                true -> Pid
            catch error:badarg ->
                exit(Pid, kill),
                controller()
            end;
        Pid -> Pid
    end.

builtin_state() ->
    maps:from_list([{A, #{keys => [{description, atom_to_list(A)}, {vsn, "zvm"},
                                   {applications, []}],
                          env => #{}, master => builtin, type => permanent}}
                    || A <- ?BUILTIN]).

controller(State) ->
    receive
        {From, Ref, Request} ->
            {Reply, State1} = handle(Request, State),
            From ! {Ref, Reply},
            controller(State1);
        _ ->
            controller(State)
    end.

handle({load, App, Keys}, S) ->
    case S of
        #{App := _} -> {{error, {already_loaded, App}}, S};
        _ ->
            Env = maps:from_list(proplists:get_value(env, Keys, [])),
            {ok, S#{App => #{keys => Keys, env => Env, master => undefined, type => undefined}}}
    end;
handle({unload, App}, S) ->
    case S of
        #{App := #{master := undefined}} -> {ok, maps:remove(App, S)};
        #{App := _} -> {{error, {running, App}}, S};
        _ -> {{error, {not_loaded, App}}, S}
    end;
handle({info, App}, S) ->
    {maps:find(App, S), S};
handle(all, S) ->
    {S, S};
handle({started, App, Master, Type}, S) ->
    #{App := A} = S,
    {ok, S#{App := A#{master := Master, type := Type}}};
handle({stopped, App}, S) ->
    case S of
        #{App := A} -> {ok, S#{App := A#{master := undefined, type := undefined}}};
        _ -> {ok, S}
    end;
handle({set_env, App, Key, Val}, S) ->
    A = maps:get(App, S, #{keys => [], env => #{}, master => undefined, type => undefined}),
    {ok, S#{App => A#{env => maps:put(Key, Val, maps:get(env, A))}}};
handle({unset_env, App, Key}, S) ->
    case S of
        #{App := A = #{env := Env}} -> {ok, S#{App := A#{env := maps:remove(Key, Env)}}};
        _ -> {ok, S}
    end.

%% --- loading -------------------------------------------------------------------------------

load(App) -> load(App, []).

load({application, App, Keys}, _Distributed) when is_atom(App), is_list(Keys) ->
    call({load, App, Keys});
load(App, _Distributed) when is_atom(App) ->
    case lists:member(App, ?BUILTIN) of
        true -> {error, {already_loaded, App}};
        false ->
            case read_app_file(App) of
                {ok, Keys} -> call({load, App, Keys});
                {error, _} = E -> E
            end
    end;
load(Other, _) ->
    {error, {bad_application, Other}}.

read_app_file(App) ->
    File = atom_to_list(App) ++ ".app",
    case zvm:app_file(App) of
        {ok, Bin} ->
            case parse_app(Bin) of
                {ok, {application, App, Keys}} when is_list(Keys) -> {ok, Keys};
                {ok, _} -> {error, {bad_application, {File, App}}};
                {error, Why} -> {error, {File, Why}}
            end;
        error ->
            {error, {"no such file or directory", File}}
    end.

%% An .app file is one term and a dot. Most are plain data (tuples, lists, atoms, strings,
%% numbers, binaries), which term/1 below reads directly: that keeps erl_scan and erl_parse
%% (half a megabyte of code, most of an instance's start-up when loaded) out of every instance.
%% Anything else (maps, character literals, expressions) goes to erl_scan + erl_parse.
parse_app(Bin) ->
    try term(skip(Bin)) of
        {T, Rest} ->
            case skip(Rest) of
                <<".", Tail/binary>> ->
                    case skip(Tail) of
                        <<>> -> {ok, T};
                        _ -> parse_app_otp(Bin)
                    end;
                _ -> parse_app_otp(Bin)
            end
    catch throw:not_plain -> parse_app_otp(Bin)
    end.

parse_app_otp(Bin) ->
    case erl_scan:string(unicode:characters_to_list(Bin)) of
        {ok, Tokens, _} ->
            case erl_parse:parse_term(Tokens) of
                {ok, T} -> {ok, T};
                {error, Why} -> {error, Why}
            end;
        {error, Why, _} -> {error, Why}
    end.

skip(<<C, R/binary>>) when C =:= $\s; C =:= $\t; C =:= $\n; C =:= $\r -> skip(R);
skip(<<$%, R/binary>>) -> skip(skip_line(R));
skip(B) -> B.

skip_line(<<$\n, R/binary>>) -> R;
skip_line(<<_, R/binary>>) -> skip_line(R);
skip_line(<<>>) -> <<>>.

term(<<${, R/binary>>) ->
    {Es, R1} = elements(skip(R), $}),
    {list_to_tuple(Es), R1};
term(<<$[, R/binary>>) ->
    elements(skip(R), $]);
term(<<$", R/binary>>) ->
    string(R, []);
term(<<$', R/binary>>) ->
    {Name, R1} = quoted(R, []),
    {list_to_atom(Name), R1};
term(<<"<<\"", R/binary>>) ->
    {S, R1} = string(R, []),
    case skip(R1) of
        <<">>", R2/binary>> -> {unicode:characters_to_binary(S), R2};
        _ -> throw(not_plain)
    end;
term(<<"<<>>", R/binary>>) ->
    {<<>>, R};
term(<<C, _/binary>> = B) when C >= $a, C =< $z ->
    {Name, R} = word(B, []),
    {list_to_atom(Name), R};
term(<<C, _/binary>> = B) when C >= $0, C =< $9; C =:= $- ->
    number(B);
term(_) ->
    throw(not_plain).

elements(<<Close, R/binary>>, Close) ->
    {[], R};
elements(B, Close) ->
    {T, R} = term(B),
    case skip(R) of
        <<$,, R1/binary>> ->
            {Ts, R2} = elements(skip(R1), Close),
            {[T | Ts], R2};
        <<Close, R1/binary>> ->
            {[T], R1};
        _ ->
            throw(not_plain)
    end.

word(<<C, R/binary>>, Acc) when C >= $a, C =< $z; C >= $A, C =< $Z; C >= $0, C =< $9;
                                C =:= $_; C =:= $@ ->
    word(R, [C | Acc]);
word(R, Acc) ->
    {lists:reverse(Acc), R}.

string(<<$", R/binary>>, Acc) -> {lists:reverse(Acc), R};
string(<<$\\, C, R/binary>>, Acc) -> string(R, [escape(C) | Acc]);
string(<<C/utf8, R/binary>>, Acc) -> string(R, [C | Acc]);
string(_, _) -> throw(not_plain).

quoted(<<$', R/binary>>, Acc) -> {lists:reverse(Acc), R};
quoted(<<$\\, C, R/binary>>, Acc) -> quoted(R, [escape(C) | Acc]);
quoted(<<C/utf8, R/binary>>, Acc) -> quoted(R, [C | Acc]);
quoted(_, _) -> throw(not_plain).

escape($n) -> $\n;
escape($t) -> $\t;
escape($r) -> $\r;
escape($s) -> $\s;
escape($e) -> 27;
escape($\\) -> $\\;
escape($") -> $";
escape($') -> $';
escape(_) -> throw(not_plain).

number(B) ->
    {Text, R} = digits(B, []),
    case catch list_to_integer(Text) of
        N when is_integer(N) -> {N, R};
        _ ->
            case catch list_to_float(Text) of
                F when is_float(F) -> {F, R};
                _ -> throw(not_plain)
            end
    end.

digits(<<C, R/binary>>, Acc) when C >= $0, C =< $9; C =:= $-; C =:= $.; C =:= $e;
                                  C =:= $E; C =:= $+ ->
    case {C, R} of
        {$., <<D, _/binary>>} when D < $0; D > $9 -> {lists:reverse(Acc), <<C, R/binary>>};
        {$., <<>>} -> {lists:reverse(Acc), <<C>>};
        _ -> digits(R, [C | Acc])
    end;
digits(R, Acc) ->
    {lists:reverse(Acc), R}.

unload(App) -> call({unload, App}).

%% --- starting and stopping -----------------------------------------------------------------

start(App) -> start(App, temporary).

start(App, Type) when is_atom(App) ->
    case ensure_loaded(App) of
        ok ->
            {ok, A} = call({info, App}),
            case maps:get(master, A) of
                undefined -> start_loaded(App, A, Type);
                _ -> {error, {already_started, App}}
            end;
        {error, _} = E -> E
    end.

ensure_loaded(App) ->
    case call({info, App}) of
        {ok, _} -> ok;
        error ->
            case load(App) of
                ok -> ok;
                {error, {already_loaded, App}} -> ok;
                {error, _} = E -> E
            end
    end.

start_loaded(App, A, Type) ->
    Keys = maps:get(keys, A),
    Deps = proplists:get_value(applications, Keys, []),
    case [D || D <- Deps, not running(D)] of
        [D | _] -> {error, {not_started, D}};
        [] ->
            case proplists:get_value(mod, Keys) of
                undefined ->
                    call({started, App, none, Type});
                {Mod, Args} ->
                    Self = self(),
                    Master = spawn(?MODULE, master, [Self, App, {Mod, Args}]),
                    Ref = erlang:monitor(process, Master),
                    receive
                        {Master, started} ->
                            erlang:demonitor(Ref, [flush]),
                            call({started, App, Master, Type});
                        {Master, {failed, Why}} ->
                            erlang:demonitor(Ref, [flush]),
                            {error, {Why, {Mod, start, [normal, Args]}}};
                        {'DOWN', Ref, process, Master, Why} ->
                            {error, {Why, {Mod, start, [normal, Args]}}}
                    end
            end
    end.

running(App) ->
    case call({info, App}) of
        {ok, #{master := M}} -> M =/= undefined;
        error -> false
    end.

%% The application master: the group leader of the application's processes; it runs
%% Mod:start/2, passes io requests to `user`, and stops the application when asked.
master(Parent, App, {Mod, Args}) ->
    process_flag(trap_exit, true),
    group_leader(self(), self()),
    try Mod:start(normal, Args) of
        {ok, Pid} -> Parent ! {self(), started}, master_loop(App, Mod, Pid, []);
        {ok, Pid, St} -> Parent ! {self(), started}, master_loop(App, Mod, Pid, St);
        Other -> Parent ! {self(), {failed, {bad_return, Other}}}
    catch
        Class:Reason:Stack -> Parent ! {self(), {failed, {Class, Reason, Stack}}}
    end.

master_loop(App, Mod, Sup, St) ->
    receive
        {io_request, _, _, _} = Req ->
            whereis(user) ! Req,
            master_loop(App, Mod, Sup, St);
        {stop, From, Ref} ->
            unlink(Sup),
            SupRef = erlang:monitor(process, Sup),
            exit(Sup, shutdown),
            receive {'DOWN', SupRef, process, Sup, _} -> ok end,
            _ = (catch Mod:stop(St)),
            From ! {Ref, ok};
        {'EXIT', Sup, Why} ->
            logger:notice("Application ~tw exited with reason: ~tp", [App, Why]),
            call({stopped, App});
        _ ->
            master_loop(App, Mod, Sup, St)
    end.

ensure_started(App) -> ensure_started(App, temporary).

ensure_started(App, Type) ->
    case start(App, Type) of
        ok -> ok;
        {error, {already_started, App}} -> ok;
        Error -> Error
    end.

ensure_all_started(App) -> ensure_all_started(App, temporary).

ensure_all_started(App, Type) ->
    case ensure_all(App, Type, []) of
        {ok, Started} -> {ok, lists:reverse(Started)};
        {error, _} = E -> E
    end.

ensure_all(App, Type, Started) ->
    case running(App) of
        true -> {ok, Started};
        false ->
            case ensure_loaded(App) of
                ok ->
                    {ok, A} = call({info, App}),
                    Keys = maps:get(keys, A),
                    Deps = proplists:get_value(applications, Keys, []),
                    case deps_started(Deps, Type, Started) of
                        {ok, S1} ->
                            case start(App, Type) of
                                ok -> {ok, [App | S1]};
                                {error, {already_started, App}} -> {ok, S1};
                                {error, Why} -> {error, {App, Why}}
                            end;
                        Error -> Error
                    end;
                {error, Why} -> {error, {App, Why}}
            end
    end.

deps_started([], _Type, Started) -> {ok, Started};
deps_started([D | Ds], Type, Started) ->
    case ensure_all(D, Type, Started) of
        {ok, S1} -> deps_started(Ds, Type, S1);
        Error -> Error
    end.

stop(App) ->
    case call({info, App}) of
        {ok, #{master := undefined}} -> {error, {not_started, App}};
        {ok, #{master := builtin}} -> {error, {not_started, App}};
        {ok, #{master := none}} -> call({stopped, App});
        {ok, #{master := Master}} ->
            Ref = erlang:monitor(process, Master),
            Master ! {stop, self(), Ref},
            receive
                {Ref, ok} -> ok;
                {'DOWN', Ref, process, Master, _} -> ok
            end,
            erlang:demonitor(Ref, [flush]),
            call({stopped, App});
        error -> {error, {not_started, App}}
    end.

%% --- environment and keys ------------------------------------------------------------------

get_env(Key) ->
    case get_application() of
        {ok, App} -> get_env(App, Key);
        undefined -> undefined
    end.

get_env(App, Key) ->
    case call({info, App}) of
        {ok, #{env := #{Key := Val}}} -> {ok, Val};
        _ -> undefined
    end.

get_env(App, Key, Default) ->
    case get_env(App, Key) of
        {ok, Val} -> Val;
        undefined -> Default
    end.

get_all_env() ->
    case get_application() of
        {ok, App} -> get_all_env(App);
        undefined -> []
    end.

get_all_env(App) ->
    case call({info, App}) of
        {ok, #{env := Env}} -> maps:to_list(Env);
        error -> []
    end.

set_env(Config) -> set_env(Config, []).

set_env(Config, _Opts) when is_list(Config) ->
    [ok = set_env(App, K, V) || {App, Env} <- Config, {K, V} <- Env],
    ok;
set_env(_, _) ->
    erlang:error(badarg).

set_env(App, Key, Val) -> set_env(App, Key, Val, []).

set_env(App, Key, Val, _Opts) when is_atom(App) ->
    call({set_env, App, Key, Val});
set_env(_, _, _, _) ->
    erlang:error(badarg).

unset_env(App, Key) -> unset_env(App, Key, []).

unset_env(App, Key, _Opts) -> call({unset_env, App, Key}).

get_key(Key) ->
    case get_application() of
        {ok, App} -> get_key(App, Key);
        undefined -> undefined
    end.

get_key(App, Key) ->
    case call({info, App}) of
        {ok, #{keys := Keys}} ->
            case lists:keyfind(Key, 1, Keys) of
                {Key, Val} -> {ok, Val};
                false -> {ok, []} %% OTP's default for every key a .app may leave out
            end;
        error -> undefined
    end.

get_all_key() ->
    case get_application() of
        {ok, App} -> get_all_key(App);
        undefined -> []
    end.

get_all_key(App) ->
    case call({info, App}) of
        {ok, #{keys := Keys}} -> {ok, Keys};
        error -> undefined
    end.

get_application() -> get_application(self()).

get_application(Pid) when is_pid(Pid) ->
    GL = case erlang:process_info(Pid, group_leader) of
             {group_leader, G} -> G;
             undefined -> undefined
         end,
    All = call(all),
    case [App || {App, #{master := M}} <- maps:to_list(All), M =:= GL orelse M =:= Pid] of
        [App | _] -> {ok, App};
        [] -> undefined
    end;
get_application(Module) when is_atom(Module) ->
    All = call(all),
    case [App || {App, #{keys := Keys}} <- maps:to_list(All),
                 lists:member(Module, proplists:get_value(modules, Keys, []))] of
        [App | _] -> {ok, App};
        [] -> undefined
    end.

which_applications() -> which_applications(infinity).

which_applications(_Timeout) ->
    All = call(all),
    [{App, desc(Keys), vsn(Keys)} || {App, #{keys := Keys, master := M}} <- maps:to_list(All),
                                     M =/= undefined].

loaded_applications() ->
    All = call(all),
    [{App, desc(Keys), vsn(Keys)} || {App, #{keys := Keys}} <- maps:to_list(All)].

desc(Keys) -> proplists:get_value(description, Keys, "").
vsn(Keys) -> proplists:get_value(vsn, Keys, "").

start_type(App) ->
    case call({info, App}) of
        {ok, #{master := M}} when M =:= undefined -> undefined;
        {ok, _} -> normal;
        error -> undefined
    end.
