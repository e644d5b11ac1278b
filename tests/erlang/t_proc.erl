%% Processes, messages, receive, timers, links, monitors, aliases, names, process_info and the
%% stock OTP behaviours on top of them. Results never show pids, references or times, so the
%% same case prints the same line on zvm and on stock erl.
-module(t_proc).
-export([t_spawn_reply/0, t_selective_receive/0, t_order/0, t_after/0, t_after_zero/0,
         t_after_infinity_woken/0, t_ring/0, t_many/0, t_big_message/0, t_refc_message/0,
         t_send_after/0, t_start_timer/0, t_cancel_timer/0, t_read_timer/0, t_timer_async/0,
         t_timer_badarg/0, t_timer_dead_receiver/0, t_link_trap/0, t_link_kills/0,
         t_link_normal/0, t_link_noproc/0, t_unlink/0, t_exit_kill/0, t_exit_normal_ignored/0,
         t_exit_trapped/0, t_exit_self_normal/0, t_spawn_monitor/0, t_monitor_noproc/0,
         t_monitor_name/0, t_monitor_stack/0, t_demonitor_flush/0, t_demonitor_info/0,
         t_alias_monitor/0, t_alias_explicit/0, t_alias_reply/0, t_register/0,
         t_register_errors/0, t_send_name_badarg/0, t_send_name_node/0, t_process_info/0,
         t_process_info_dead/0, t_process_info_status/0, t_dictionary_isolated/0,
         t_group_leader/0, t_hibernate/0, t_yield/0, t_is_alive/0, t_spawn_opt/0,
         t_spawn_badarg/0, t_kill_waiting/0, t_exit_reason_error/0, t_recv_marker/0,
         t_gen_server/0, t_gen_server_timeout/0, t_gen_statem/0, t_proc_lib/0,
         t_ets_owner_exit/0, t_ets_heir/0, t_convert_time_unit/0, t_logger_levels/0, t_supervisor_restart/0, t_application/0, t_application_file_forms/0, t_sys/0, t_processes_count/0,
         t_monitor_node/0]).
%% callbacks
-export([init/1, handle_call/3, handle_cast/2, handle_info/2, terminate/2, callback_mode/0,
         idle/3, busy/3, wake/1, worker_start/1, pl_init/1]).

t_spawn_reply() ->
    Self = self(),
    P = spawn(fun() -> receive {From, X} -> From ! {self(), X * 2} end end),
    P ! {Self, 21},
    receive {P, R} -> R after 2000 -> timeout end.

t_selective_receive() ->
    self() ! a, self() ! b, self() ! c,
    R1 = receive b -> b end,
    R2 = receive X -> X end,
    R3 = receive Y -> Y end,
    [R1, R2, R3].

t_order() ->
    Self = self(),
    P = spawn(fun() -> [Self ! {n, N} || N <- lists:seq(1, 100)] end),
    _ = P,
    [receive {n, N} -> N end || _ <- lists:seq(1, 100)] =:= lists:seq(1, 100).

t_after() ->
    T0 = erlang:monotonic_time(millisecond),
    R = receive never -> got after 30 -> timed_out end,
    T1 = erlang:monotonic_time(millisecond),
    {R, T1 - T0 >= 30}.

t_after_zero() ->
    self() ! x,
    A = receive y -> y after 0 -> none end,
    B = receive x -> x after 0 -> none end,
    {A, B}.

t_after_infinity_woken() ->
    Self = self(),
    spawn(fun() -> receive after 10 -> Self ! late end end),
    receive late -> woken after infinity -> never end.

t_ring() ->
    N = 200,
    Self = self(),
    First = lists:foldl(fun(_, Next) -> spawn(fun() -> relay(Next) end) end, Self,
                        lists:seq(1, N)),
    First ! {token, 0},
    receive {token, Hops} -> Hops after 5000 -> timeout end.

relay(Next) ->
    receive {token, K} -> Next ! {token, K + 1} end.

t_many() ->
    Self = self(),
    Ps = [spawn(fun() -> receive go -> Self ! {done, N} end end) || N <- lists:seq(1, 2000)],
    [P ! go || P <- Ps],
    lists:sum([receive {done, N} -> N end || _ <- Ps]).

t_big_message() ->
    Self = self(),
    Big = {lists:seq(1, 20000), list_to_tuple(lists:seq(1, 500)), #{a => [1, 2, 3]}, "text"},
    P = spawn(fun() -> receive {From, M} -> From ! {echo, M} end end),
    P ! {Self, Big},
    receive {echo, B} -> B =:= Big after 5000 -> timeout end.

t_refc_message() ->
    Self = self(),
    Bin = binary:copy(<<"0123456789">>, 1000),
    P = spawn(fun() -> receive {From, B} -> From ! {size, byte_size(B), binary:part(B, 5, 3)} end end),
    P ! {Self, Bin},
    receive R -> R after 2000 -> timeout end.

t_send_after() ->
    erlang:send_after(10, self(), first),
    erlang:send_after(5, self(), second),
    [receive X -> X end, receive Y -> Y end].

t_start_timer() ->
    Ref = erlang:start_timer(5, self(), hello),
    receive {timeout, Ref, Msg} -> Msg after 2000 -> timeout end.

t_cancel_timer() ->
    Ref = erlang:send_after(10000, self(), never),
    Left = erlang:cancel_timer(Ref),
    Again = erlang:cancel_timer(Ref),
    Stale = receive never -> got after 20 -> none end,
    {is_integer(Left) andalso Left > 9000 andalso Left =< 10000, Again, Stale}.

t_read_timer() ->
    Ref = erlang:send_after(10000, self(), never),
    R = erlang:read_timer(Ref),
    _ = erlang:cancel_timer(Ref),
    {is_integer(R), erlang:read_timer(Ref)}.

t_timer_async() ->
    Ref = erlang:send_after(10000, self(), never),
    ok = erlang:cancel_timer(Ref, [{async, true}, {info, true}]),
    receive {cancel_timer, Ref, Left} -> is_integer(Left) after 1000 -> timeout end.

t_timer_badarg() ->
    [reason(catch erlang:send_after(-1, self(), x)), reason(catch erlang:send_after(1, "pid", x)),
     reason(catch erlang:start_timer(a, self(), x)), reason(catch erlang:cancel_timer(not_a_ref))].

%% The reason of a caught error (its stack trace's error_info differs between VMs by design).
reason({'EXIT', {R, _Trace}}) -> {'EXIT', R};
reason(Other) -> Other.

t_timer_dead_receiver() ->
    P = spawn(fun() -> ok end),
    Ref = erlang:monitor(process, P),
    receive {'DOWN', Ref, process, P, _} -> ok end,
    T = erlang:send_after(10000, P, x),
    erlang:cancel_timer(T).

t_link_trap() ->
    process_flag(trap_exit, true),
    P = spawn_link(fun() -> exit(bye) end),
    R = receive {'EXIT', P, Why} -> Why after 2000 -> timeout end,
    process_flag(trap_exit, false),
    R.

t_link_kills() ->
    Self = self(),
    {Watcher, Ref} = spawn_monitor(fun() ->
        spawn_link(fun() -> exit(crash) end),
        receive after 5000 -> Self ! survived end
    end),
    _ = Watcher,
    receive {'DOWN', Ref, process, _, Why} -> Why after 2000 -> timeout end.

t_link_normal() ->
    {_, Ref} = spawn_monitor(fun() ->
        spawn_link(fun() -> ok end),
        receive after 50 -> exit(still_alive) end
    end),
    receive {'DOWN', Ref, process, _, Why} -> Why after 2000 -> timeout end.

t_link_noproc() ->
    P = spawn(fun() -> ok end),
    Ref = erlang:monitor(process, P),
    receive {'DOWN', Ref, _, _, _} -> ok end,
    process_flag(trap_exit, true),
    true = link(P),
    R = receive {'EXIT', P, Why} -> Why after 1000 -> none end,
    process_flag(trap_exit, false),
    R.

t_unlink() ->
    {_, Ref} = spawn_monitor(fun() ->
        P = spawn_link(fun() -> receive go -> exit(boom) end end),
        unlink(P),
        P ! go,
        receive after 50 -> exit(unlinked_ok) end
    end),
    receive {'DOWN', Ref, process, _, Why} -> Why after 2000 -> timeout end.

t_exit_kill() ->
    process_flag(trap_exit, true),
    P = spawn_link(fun() -> process_flag(trap_exit, true), receive after infinity -> ok end end),
    exit(P, kill),
    R = receive {'EXIT', P, Why} -> Why after 2000 -> timeout end,
    process_flag(trap_exit, false),
    R.

t_exit_normal_ignored() ->
    P = spawn(fun() -> receive {From, ping} -> From ! pong end end),
    exit(P, normal),
    P ! {self(), ping},
    receive pong -> alive after 1000 -> dead end.

t_exit_trapped() ->
    Self = self(),
    P = spawn(fun() ->
        process_flag(trap_exit, true),
        Self ! ready,
        receive M -> Self ! {got, M} end
    end),
    receive ready -> ok end,
    exit(P, please),
    receive {got, {'EXIT', Self, Why}} -> Why after 1000 -> timeout end.

t_exit_self_normal() ->
    {_, Ref} = spawn_monitor(fun() -> exit(self(), normal), receive after 1000 -> ok end, alive end),
    receive {'DOWN', Ref, process, _, Why} -> Why after 2000 -> timeout end.

t_spawn_monitor() ->
    {P, Ref} = spawn_monitor(fun() -> exit({shutdown, done}) end),
    receive {'DOWN', Ref, process, P, Why} -> Why after 2000 -> timeout end.

t_monitor_noproc() ->
    P = spawn(fun() -> ok end),
    R0 = erlang:monitor(process, P),
    receive {'DOWN', R0, _, _, _} -> ok end,
    Ref = erlang:monitor(process, P),
    R1 = receive {'DOWN', Ref, process, P, Why} -> Why after 1000 -> timeout end,
    Ref2 = erlang:monitor(process, no_such_name_here),
    R2 = receive {'DOWN', Ref2, process, Obj, W2} -> {Obj, W2} after 1000 -> timeout end,
    {R1, R2}.

t_monitor_name() ->
    P = spawn(fun() -> receive stop -> exit(stopped) end end),
    register(t_proc_named, P),
    Ref = erlang:monitor(process, t_proc_named),
    t_proc_named ! stop,
    receive {'DOWN', Ref, process, Obj, Why} -> {Obj, Why} after 2000 -> timeout end.

t_monitor_stack() ->
    P = spawn(fun() -> receive stop -> ok end end),
    R1 = erlang:monitor(process, P),
    R2 = erlang:monitor(process, P),
    P ! stop,
    A = receive {'DOWN', R1, _, _, W1} -> W1 after 1000 -> timeout end,
    B = receive {'DOWN', R2, _, _, W2} -> W2 after 1000 -> timeout end,
    {A, B, R1 =/= R2}.

t_demonitor_flush() ->
    P = spawn(fun() -> ok end),
    Ref = erlang:monitor(process, P),
    receive after 50 -> ok end,
    true = erlang:demonitor(Ref, [flush]),
    receive {'DOWN', Ref, _, _, _} -> still_there after 0 -> flushed end.

t_demonitor_info() ->
    P = spawn(fun() -> receive stop -> ok end end),
    Ref = erlang:monitor(process, P),
    A = erlang:demonitor(Ref, [info]),
    B = erlang:demonitor(Ref, [info]),
    P ! stop,
    {A, B, reason(catch erlang:demonitor(not_a_ref))}.

t_alias_monitor() ->
    P = spawn(fun() -> receive {reply_to, A} -> A ! {answer, 42} end end),
    Mref = erlang:monitor(process, P, [{alias, demonitor}]),
    P ! {reply_to, Mref},
    R = receive {answer, X} -> X after 1000 -> timeout end,
    erlang:demonitor(Mref, [flush]),
    R.

t_alias_explicit() ->
    A = alias(),
    Self = self(),
    spawn(fun() -> A ! one, Self ! sent end),
    receive sent -> ok end,
    R1 = receive one -> one after 1000 -> none end,
    true = unalias(A),
    spawn(fun() -> A ! two, Self ! sent end),
    receive sent -> ok end,
    R2 = receive two -> two after 50 -> none end,
    {R1, R2, unalias(A)}.

t_alias_reply() ->
    A = alias([reply]),
    Self = self(),
    spawn(fun() -> A ! first, A ! second, Self ! sent end),
    receive sent -> ok end,
    R1 = receive first -> first after 1000 -> none end,
    R2 = receive second -> second after 50 -> none end,
    {R1, R2}.

t_register() ->
    P = spawn(fun() -> receive {From, ping} -> From ! pong end end),
    true = register(t_proc_reg, P),
    W = whereis(t_proc_reg) =:= P,
    In = lists:member(t_proc_reg, registered()),
    t_proc_reg ! {self(), ping},
    R = receive pong -> pong after 1000 -> timeout end,
    receive after 20 -> ok end,
    {W, In, R, whereis(t_proc_reg)}.

t_register_errors() ->
    P = spawn(fun() -> receive stop -> ok end end),
    register(t_proc_reg2, P),
    E1 = catch register(t_proc_reg2, self()),
    E2 = catch register(other_name, P),
    E3 = catch register(undefined, self()),
    E4 = catch register("str", self()),
    E5 = catch unregister(never_registered),
    true = unregister(t_proc_reg2),
    P ! stop,
    [element(1, element(2, E)) || E <- [E1, E2, E3, E4, E5]].

t_send_name_badarg() ->
    reason(catch (nobody_has_this_name ! hello)).

t_send_name_node() ->
    register(t_proc_self, self()),
    {t_proc_self, node()} ! via_tuple,
    R = receive via_tuple -> ok after 1000 -> timeout end,
    unregister(t_proc_self),
    R.

t_process_info() ->
    Self = self(),
    Parent = Self,
    P = spawn(fun() ->
        put(k, v),
        process_flag(trap_exit, true),
        link(Parent),
        Parent ! ready,
        receive stop -> ok end
    end),
    receive ready -> ok end,
    P ! m1, P ! m2,
    receive after 20 -> ok end,
    Info = erlang:process_info(P, [message_queue_len, messages, trap_exit, registered_name]),
    {dictionary, D} = erlang:process_info(P, dictionary),
    {links, L} = erlang:process_info(P, links),
    unlink(P),
    exit(P, kill),
    {Info, lists:keyfind(k, 1, D), L =:= [Self], erlang:process_info(P, registered_name)}.

t_process_info_dead() ->
    P = spawn(fun() -> ok end),
    Ref = erlang:monitor(process, P),
    receive {'DOWN', Ref, _, _, _} -> ok end,
    {erlang:process_info(P, status), erlang:process_info(P), reason(catch erlang:process_info(self(), bogus_item))}.

t_process_info_status() ->
    P = spawn(fun() -> receive stop -> ok end end),
    receive after 20 -> ok end,
    {status, S} = erlang:process_info(P, status),
    {initial_call, IC} = erlang:process_info(P, initial_call),
    P ! stop,
    {S, IC, element(2, erlang:process_info(self(), status))}.

t_dictionary_isolated() ->
    put(shared_key, parent),
    Self = self(),
    spawn(fun() -> Self ! {child, get(shared_key), put(shared_key, child)} end),
    R = receive {child, V, Old} -> {V, Old} end,
    {R, get(shared_key)}.

t_group_leader() ->
    Self = self(),
    GL = group_leader(),
    spawn(fun() -> Self ! {gl, group_leader()} end),
    receive {gl, G} -> G =:= GL after 1000 -> timeout end.

t_hibernate() ->
    Self = self(),
    P = spawn(fun() -> put(before, yes), erlang:hibernate(?MODULE, wake, [Self]) end),
    receive after 20 -> ok end,
    P ! hello,
    receive {woke, M, D} -> {M, D} after 1000 -> timeout end.

wake(Parent) ->
    receive M -> Parent ! {woke, M, get(before)} end.

t_yield() ->
    {erlang:yield(), lists:sum([begin erlang:yield(), 1 end || _ <- lists:seq(1, 10)])}.

t_is_alive() ->
    P = spawn(fun() -> receive stop -> ok end end),
    A = is_process_alive(P),
    Ref = erlang:monitor(process, P),
    P ! stop,
    receive {'DOWN', Ref, _, _, _} -> ok end,
    {A, is_process_alive(P), is_process_alive(self()), reason(catch is_process_alive(nope))}.

t_spawn_opt() ->
    {P, Ref} = spawn_opt(fun() -> exit(opt) end, [monitor, {priority, high}, {min_heap_size, 1000}]),
    R = receive {'DOWN', Ref, process, P, W} -> W after 1000 -> timeout end,
    process_flag(trap_exit, true),
    P2 = spawn_opt(?MODULE, worker_start, [x], [link]),
    R2 = receive {'EXIT', P2, W2} -> W2 after 1000 -> timeout end,
    process_flag(trap_exit, false),
    {R, R2, reason(catch spawn_opt(fun() -> ok end, [bogus]))}.

worker_start(X) -> exit({worker, X}).

t_spawn_badarg() ->
    [reason(catch spawn(not_a_fun)), is_pid(catch spawn(fun(_) -> ok end)),
     reason(catch spawn(m, "f", [])), reason(catch spawn(m, f, [a | b]))].

t_kill_waiting() ->
    P = spawn(fun() -> receive after infinity -> ok end end),
    Ref = erlang:monitor(process, P),
    exit(P, kill),
    receive {'DOWN', Ref, process, P, Why} -> Why after 1000 -> timeout end.

t_exit_reason_error() ->
    {P, Ref} = spawn_monitor(fun() -> erlang:error(oops) end),
    receive
        {'DOWN', Ref, process, P, {oops, [{?MODULE, _, 0, _} | _]}} -> error_with_trace;
        {'DOWN', Ref, process, P, Other} -> Other
    after 1000 -> timeout
    end.

t_recv_marker() ->
    [self() ! {noise, N} || N <- lists:seq(1, 50)],
    Ref = make_ref(),
    self() ! {Ref, reply},
    R = receive {Ref, X} -> X after 1000 -> timeout end,
    Left = length([receive {noise, N} -> N end || _ <- lists:seq(1, 50)]),
    {R, Left}.

%% --- stock OTP behaviours ------------------------------------------------------------------

t_gen_server() ->
    {ok, P} = gen_server:start(?MODULE, 10, []),
    A = gen_server:call(P, get),
    ok = gen_server:cast(P, {add, 5}),
    B = gen_server:call(P, get),
    P ! {add, 1},
    C = gen_server:call(P, get),
    D = gen_server:call(P, {reply_later, 3}),
    ok = gen_server:stop(P),
    {A, B, C, D, is_process_alive(P)}.

t_gen_server_timeout() ->
    {ok, P} = gen_server:start(?MODULE, 0, []),
    R = catch gen_server:call(P, {sleep, 200}, 20),
    Alive = is_process_alive(P),
    receive after 250 -> ok end,
    Stray = receive Any -> {stray, Any} after 0 -> none end,
    gen_server:stop(P),
    {element(1, element(2, R)), Alive, Stray}.

init([]) -> {ok, idle, 0};
init(N) -> {ok, N}.
handle_call(get, _From, N) -> {reply, N, N};
handle_call({reply_later, K}, From, N) ->
    spawn(fun() -> gen_server:reply(From, {later, K}) end),
    {noreply, N};
handle_call({sleep, Ms}, _From, N) -> receive after Ms -> ok end, {reply, slept, N};
handle_call(crash, _From, _N) -> erlang:error(asked_to_crash).
handle_cast({add, K}, N) -> {noreply, N + K}.
handle_info({add, K}, N) -> {noreply, N + K}.
terminate(_Reason, _N) -> ok.

t_gen_statem() ->
    {ok, P} = gen_statem:start(?MODULE, [], []),
    A = gen_statem:call(P, state),
    ok = gen_statem:cast(P, work),
    B = gen_statem:call(P, state),
    C = gen_statem:call(P, state),
    gen_statem:stop(P),
    {A, B, C}.

callback_mode() -> state_functions.
idle({call, From}, state, D) -> {keep_state, D, [{reply, From, {idle, D}}]};
idle(cast, work, D) -> {next_state, busy, D + 1, [{state_timeout, 10, done}]}.
busy({call, From}, state, D) -> {keep_state, D, [{reply, From, {busy, D}}, postpone]};
busy(state_timeout, done, D) -> {next_state, idle, D}.

t_proc_lib() ->
    {ok, P} = proc_lib:start(?MODULE, pl_init, [self()]),
    {dictionary, D} = erlang:process_info(P, dictionary),
    Anc = proplists:get_value('$ancestors', D),
    IC = proc_lib:initial_call(P),
    P ! stop,
    {Anc =:= [self()], IC}.

pl_init(Parent) ->
    proc_lib:init_ack(Parent, {ok, self()}),
    receive stop -> ok end.

%% A table goes with its owner; with a live heir it goes to the heir.
t_ets_owner_exit() ->
    Self = self(),
    {P, Ref} = spawn_monitor(fun() ->
        T = ets:new(owned, [public]),
        ets:insert(T, {k, binary:copy(<<"x">>, 1000)}),
        Self ! {table, T},
        receive stop -> ok end
    end),
    T = receive {table, Tab} -> Tab end,
    Before = ets:lookup(T, k) =/= [],
    P ! stop,
    receive {'DOWN', Ref, process, P, _} -> ok end,
    {Before, ets:info(T), reason(catch ets:lookup(T, k))}.

t_ets_heir() ->
    Self = self(),
    {P, Ref} = spawn_monitor(fun() ->
        T = ets:new(inherited, [{heir, Self, gift}]),
        ets:insert(T, {k, v}),
        Self ! {table, T},
        receive stop -> ok end
    end),
    T = receive {table, Tab} -> Tab end,
    P ! stop,
    receive {'DOWN', Ref, process, P, _} -> ok end,
    Got = receive {'ETS-TRANSFER', T, P, Data} -> Data after 1000 -> none end,
    R = {Got, ets:info(T, owner) =:= Self, ets:lookup(T, k)},
    ets:delete(T),
    R.

%% Timers and the logger's timestamps rest on time unit conversion, every unit pair.
t_convert_time_unit() ->
    L = [{V, F, T} || V <- [0, 1, -1, 999, -999, 1500, -1500, 1795332751932802, -7],
                      F <- [second, millisecond, microsecond, nanosecond, 3, 1000],
                      T <- [second, millisecond, microsecond, nanosecond, 7]],
    [erlang:convert_time_unit(V, F, T) || {V, F, T} <- L].

t_logger_levels() ->
    {logger:allow(error, ?MODULE), logger:allow(info, ?MODULE),
     logger:compare_levels(error, warning), logger:compare_levels(debug, debug),
     maps:get(level, logger:get_primary_config())}.

t_supervisor_restart() ->
    {ok, Sup} = supervisor:start_link(corpus_proc_sup, []),
    [{worker, W1, worker, _}] = supervisor:which_children(Sup),
    catch gen_server:call(W1, crash),
    receive after 50 -> ok end,
    [{worker, W2, worker, _}] = supervisor:which_children(Sup),
    R = {is_pid(W2), W1 =/= W2, gen_server:call(W2, get)},
    unlink(Sup),
    Ref = erlang:monitor(process, Sup),
    exit(Sup, shutdown),
    receive {'DOWN', Ref, _, _, Why} -> {R, Why} after 2000 -> timeout end.

%% An application of our own (tests/erlang/corpus_proc_app.app): load, env, start, stop.
t_application() ->
    ok = application:load(corpus_proc_app),
    E1 = application:get_env(corpus_proc_app, greeting),
    ok = application:set_env(corpus_proc_app, greeting, hi),
    E2 = application:get_env(corpus_proc_app, greeting),
    ok = application:start(corpus_proc_app),
    Running = lists:keymember(corpus_proc_app, 1, application:which_applications()),
    Again = application:start(corpus_proc_app),
    W = whereis(corpus_proc_app_sup) =/= undefined,
    ok = application:stop(corpus_proc_app),
    Stopped = whereis(corpus_proc_app_sup),
    ok = application:unload(corpus_proc_app),
    {E1, E2, Running, Again, W, Stopped, application:get_env(corpus_proc_app, greeting),
     application:load(no_such_app_anywhere)}.

%% An .app file with a map, character literals, a UTF-8 binary and quoted atoms.
t_application_file_forms() ->
    ok = application:load(corpus_proc_map),
    R = {lists:sort(application:get_all_env(corpus_proc_map)),
         application:get_key(corpus_proc_map, description)},
    ok = application:unload(corpus_proc_map),
    R.

t_sys() ->
    {ok, P} = gen_server:start(?MODULE, 7, []),
    S = sys:get_state(P),
    ok = sys:suspend(P),
    ok = sys:resume(P),
    S2 = sys:replace_state(P, fun(N) -> N * 2 end),
    gen_server:stop(P),
    {S, S2}.

t_processes_count() ->
    Before = length(processes()),
    Ps = [spawn(fun() -> receive stop -> ok end end) || _ <- lists:seq(1, 10)],
    Mid = length(processes()),
    Refs = [erlang:monitor(process, P) || P <- Ps],
    [P ! stop || P <- Ps],
    [receive {'DOWN', R, _, _, _} -> ok end || R <- Refs],
    {Mid - Before, length(processes()) - Before}.

%% Without distribution (neither erl here nor zvm is alive): the local node needs no monitor and
%% never sends nodedown; another node cannot be monitored (notalive); bad arguments.
t_monitor_node() ->
    F = fun(E) -> try E() catch C:R -> {C, R} end end,
    R = [F(fun() -> monitor_node(node(), true) end),
         F(fun() -> monitor_node(node(), false) end),
         F(fun() -> monitor_node(foo@bar, true) end),
         F(fun() -> monitor_node(foo@bar, false) end),
         F(fun() -> monitor_node(node(), x) end),
         F(fun() -> monitor_node(1, true) end),
         F(fun() -> erlang:monitor_node(node(), true, [allow_passive_connect]) end),
         F(fun() -> erlang:monitor_node(node(), true, [foo]) end),
         F(fun() -> erlang:monitor_node(node(), true, x) end),
         F(fun() -> erlang:monitor_node(node(), true, [allow_passive_connect | x]) end),
         F(fun() -> erlang:monitor_node(foo@bar, true, []) end)],
    Msg = receive M -> M after 50 -> none end,
    {R, Msg}.

