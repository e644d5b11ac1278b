%% Loading code at run time (code:load_binary/3 of modules compiled by compile:forms/1): a new
%% version of a loaded module replaces the old one for calls and for every question about it.
-module(t_code).
-export([t_reload/0, t_reload_three/0]).

forms(F, V) ->
    [{attribute, 1, module, t_code_dyn}, {attribute, 1, export, [{F, 0}]},
     {function, 1, F, 0, [{clause, 1, [], [], [{integer, 1, V}]}]}].

load(F, V) ->
    {ok, M, B} = compile:forms(forms(F, V)),
    code:load_binary(M, "t_code_dyn.erl", B).

t_reload() ->
    Before = erlang:module_loaded(t_code_dyn),
    {module, M} = load(v, 1),
    A = M:v(),
    {module, M} = load(w, 2),
    {Before, A, M:w(), erlang:module_loaded(M), erlang:function_exported(M, v, 0),
     erlang:function_exported(M, w, 0), [F || {F, 0} <- M:module_info(exports)]}.

%% A third version while the second is old code: erl refuses it until the old code is purged.
t_reload_three() ->
    {module, M} = load(v, 1),
    {module, M} = load(v, 2),
    Third = load(v, 3),
    _ = code:purge(M),
    {Third, load(v, 4), M:v()}.
