%% code: zvm's own code server API (zvm does not run OTP's kernel, whose code module talks to a
%% code_server process). Modules load on demand from the code path the platform searches (-pa
%% directories, the VM's own modules, then the stock OTP ebin directories; on Xen, the image):
%% code:ensure_loaded/1 is a BIF that loads through it; the rest is built on that. zvm keeps one
%% version of each module and never unloads one, so purge and delete have nothing to do.
-module(code).
-export([load_binary/3, ensure_loaded/1, ensure_modules_loaded/1, is_loaded/1, load_file/1, which/1,
         all_loaded/0, get_path/0, add_path/1, add_patha/1, add_pathz/1, add_paths/1,
         add_pathsa/1, add_pathsz/1, purge/1, soft_purge/1, delete/1, is_sticky/1,
         root_dir/0, lib_dir/0, lib_dir/1, priv_dir/1, objfile_extension/0, module_status/1,
         get_mode/0, is_module_native/1, atomic_load/1]).

%% A BIF in zvm (the C function wins); this body is never reached.
ensure_loaded(Module) when is_atom(Module) -> erlang:nif_error(undefined).

ensure_modules_loaded(Modules) when is_list(Modules) ->
    Bad = [{M, R} || M <- Modules, {error, R} <- [ensure_loaded(M)]],
    case Bad of
        [] -> ok;
        _ -> {error, Bad}
    end.

is_loaded(Module) when is_atom(Module) ->
    case erlang:module_loaded(Module) of
        true -> {file, loaded};
        false -> false
    end.

load_file(Module) when is_atom(Module) ->
    case ensure_loaded(Module) of
        {module, Module} -> {module, Module};
        {error, _} -> {error, nofile}
    end.

load_binary(Module, _File, Binary) when is_atom(Module), is_binary(Binary) ->
    erlang:load_module(Module, Binary);
load_binary(_, _, _) ->
    {error, badarg}.

atomic_load(Modules) ->
    case ensure_modules_loaded(Modules) of
        ok -> ok;
        {error, Bad} -> {error, [{M, nofile} || {M, _} <- Bad]}
    end.

which(Module) when is_atom(Module) ->
    case erlang:module_loaded(Module) of
        true -> loaded;
        false -> non_existing
    end.

all_loaded() -> [].

get_path() -> [].
add_path(_Dir) -> {error, bad_directory}.
add_patha(_Dir) -> {error, bad_directory}.
add_pathz(_Dir) -> {error, bad_directory}.
add_paths(_Dirs) -> ok.
add_pathsa(_Dirs) -> ok.
add_pathsz(_Dirs) -> ok.
purge(_Module) -> false.
soft_purge(_Module) -> true.
delete(_Module) -> false.
is_sticky(_Module) -> false.
root_dir() -> "/".
lib_dir() -> "/lib".
lib_dir(_App) -> {error, bad_name}.
priv_dir(_App) -> {error, bad_name}.
objfile_extension() -> ".beam".
module_status(Module) ->
    case erlang:module_loaded(Module) of
        true -> loaded;
        false -> not_loaded
    end.
get_mode() -> interactive.
is_module_native(_Module) -> false.
