%% inet_db: zvm's stand-in for kernel's inet_db, "as far as gen_tcp needs it".
%%
%% Stock inet_db is a gen_server over ETS tables that kernel's supervisor starts; zvm runs no
%% kernel application, and an instance has no resolver configuration to read (no /etc in its
%% root, no network but its connection). So this module answers the questions the stock inet,
%% gen_tcp, inet_tcp, inet6_tcp and local_tcp modules ask, from fixed values and the port's
%% data (erlang:port_set_data/2, as OTP 25's own register_socket/lookup_socket do):
%%
%%   tcp_module/0, udp_module/0, sctp_module/0   the default family modules (IPv4)
%%   register_socket/2, unregister_socket/1, lookup_socket/1   the module owning a socket
%%   put_socket_type/2, take_socket_type/1       inet:monitor/1's bookkeeping (port sockets)
%%   res_option/1        lookup [] (no files, no DNS: only address strings and our own name
%%                       resolve), domain "", inet6 false, the other options their defaults
%%   gethostname/0       "localhost", so "localhost" resolves to the loopback address through
%%                       inet's own fallback (gethostbyname_self)
%%   tolower/1, eq_domains/2, socks_option/1, get_rc/0, get_searchlist/0
%%
%% Anything that would change the configuration (set_*, add_*, ins_*, del_*) answers
%% {error, enotsup}: there is no server to keep it.
-module(inet_db).

-export([start/0, start_link/0, stop/0]).
-export([tcp_module/0, udp_module/0, sctp_module/0]).
-export([set_tcp_module/1, set_udp_module/1, set_sctp_module/1]).
-export([register_socket/2, unregister_socket/1, lookup_socket/1]).
-export([put_socket_type/2, take_socket_type/1]).
-export([res_option/1, res_option/2, socks_option/1]).
-export([gethostname/0, set_hostname/1, set_domain/1]).
-export([tolower/1, eq_domains/2, get_rc/0, get_searchlist/0]).
-export([set_lookup/1, add_host/2, del_host/1, clear_hosts/0]).

start() -> {error, enotsup}.
start_link() -> {error, enotsup}.
stop() -> ok.

tcp_module() -> inet_tcp.
udp_module() -> inet_udp.
sctp_module() -> inet_sctp.

set_tcp_module(_) -> {error, enotsup}.
set_udp_module(_) -> {error, enotsup}.
set_sctp_module(_) -> {error, enotsup}.
set_hostname(_) -> {error, enotsup}.
set_domain(_) -> {error, enotsup}.
set_lookup(_) -> {error, enotsup}.
add_host(_, _) -> {error, enotsup}.
del_host(_) -> {error, enotsup}.
clear_hosts() -> {error, enotsup}.

register_socket(Socket, Module) when is_port(Socket), is_atom(Module) ->
    try erlang:port_set_data(Socket, Module)
    catch error:badarg -> false
    end.

unregister_socket(Socket) when is_port(Socket) ->
    ok.

lookup_socket(Socket) when is_port(Socket) ->
    try erlang:port_get_data(Socket) of
        Module when is_atom(Module), Module =/= undefined -> {ok, Module};
        _ -> {error, closed}
    catch error:badarg -> {error, closed}
    end.

%% inet:monitor/1 records what a monitor reference watches; kept in the caller's dictionary,
%% since the monitor belongs to the caller anyway.
put_socket_type(MRef, Type) ->
    put({?MODULE, socket_type, MRef}, Type),
    ok.

take_socket_type(MRef) ->
    case erase({?MODULE, socket_type, MRef}) of
        undefined -> error;
        Type -> {ok, Type}
    end.

res_option(lookup) -> [];
res_option(domain) -> "";
res_option(inet6) -> false;
res_option(search) -> [];
res_option(nameservers) -> [];
res_option(nameserver) -> [];
res_option(alt_nameservers) -> [];
res_option(alt_nameserver) -> [];
res_option(recurse) -> true;
res_option(retry) -> 3;
res_option(timeout) -> 2000;
res_option(servfail_retry_timeout) -> 1500;
res_option(usevc) -> false;
res_option(edns) -> false;
res_option(udp_payload_size) -> 1280;
res_option(resolv_conf) -> undefined;
res_option(hosts_file) -> undefined;
res_option(socks5_server) -> "";
res_option(socks5_port) -> 1080;
res_option(socks5_methods) -> [none];
res_option(socks5_noproxy) -> [];
res_option(next_id) -> erlang:unique_integer([positive]) band 16#ffff;
res_option(Option) -> erlang:error(badarg, [Option]).

res_option(_Option, _Value) -> {error, enotsup}.

socks_option(server) -> "";
socks_option(port) -> 1080;
socks_option(methods) -> [none];
socks_option(noproxy) -> [];
socks_option(Option) -> erlang:error(badarg, [Option]).

gethostname() -> "localhost".

get_rc() -> [].

get_searchlist() -> [].

%% Host names compare without regard to ASCII letter case.
tolower(Name) when is_list(Name) ->
    [if C >= $A, C =< $Z -> C + ($a - $A); true -> C end || C <- Name].

eq_domains(A, B) ->
    tolower(strip_dot(A)) =:= tolower(strip_dot(B)).

strip_dot(Name) ->
    case lists:reverse(Name) of
        [$. | Rest] -> lists:reverse(Rest);
        _ -> Name
    end.
