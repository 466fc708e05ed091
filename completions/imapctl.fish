# fish completion for imapctl. Commands and options come from
# "imapctl __complete"; mailbox names from "imapctl list" with the
# connection options already typed, a short timeout and no prompts.

function __imapctl_command
    set -l words (commandline -opc)
    set -e words[1]
    set -l skip 0
    for w in $words
        if test $skip = 1
            set skip 0
            continue
        end
        switch $w
            case -o --format -a --account --config --url -H --host -p --port -u --user --tls --cafile --password-file --password-cmd --netrc-file --oauth2-token-cmd --auth --timeout --max-size
                set skip 1
            case '-*'
            case '*'
                echo $w
                return 0
        end
    end
    return 1
end

function __imapctl_no_command
    not __imapctl_command >/dev/null
end

function __imapctl_options
    set -l cmd (__imapctl_command)
    imapctl __complete options $cmd 2>/dev/null | while read -l -d \t name arg kind help
        echo $name\t$help
    end
end

function __imapctl_mailboxes
    set -l words (commandline -opc)
    set -l conn
    set -l i 2
    while test $i -le (count $words)
        switch $words[$i]
            case --url -H --host -p --port -u --user --tls --cafile --password-file --password-cmd --auth -a --account --config --netrc-file --oauth2-token-cmd
                set -a conn $words[$i] $words[(math $i + 1)]
                set i (math $i + 1)
            case '--url=*' '--host=*' '--port=*' '--user=*' '--tls=*' '--cafile=*' '--password-file=*' '--password-cmd=*' '--auth=*' '--account=*' '--config=*' '--netrc-file=*' '--oauth2-token-cmd=*' --insecure --no-sasl-ir --id
                set -a conn $words[$i]
        end
        set i (math $i + 1)
    end
    imapctl $conn --timeout 2 list -o text </dev/null 2>/dev/null | cut -f1
end

function __imapctl_wants
    set -l cmd (__imapctl_command); or return 1
    set -l kind (imapctl __complete operands $cmd 2>/dev/null)
    test "$kind" = $argv[1]
end

complete -c imapctl -f
complete -c imapctl -n __imapctl_no_command -a '(imapctl __complete commands 2>/dev/null)'
complete -c imapctl -s o -l format -x -a 'text json jsonl xml' -d 'output format'
complete -c imapctl -n '__fish_seen_subcommand_from check' -s o -l format -x -a prometheus -d 'Prometheus text format'
complete -c imapctl -l tls -x -a 'implicit starttls none' -d 'TLS mode'
complete -c imapctl -l auth -x -a 'auto scram-sha-256 scram-sha-1 plain login xoauth2 oauthbearer' -d 'authentication mechanism'
complete -c imapctl -n '__fish_seen_subcommand_from search' -l sort -x -a 'date -date size -size' -d 'order of search results'
complete -c imapctl -l cafile -r -F -d 'also trust the CA certificates in FILE'
complete -c imapctl -l password-file -r -F -d 'read the password from FILE'
complete -c imapctl -l config -r -F -d 'read accounts from FILE'
complete -c imapctl -l netrc-file -r -F -d 'look the password up in FILE'
complete -c imapctl -n 'string match -q -- "-*" (commandline -ct)' -a '(__imapctl_options)'
complete -c imapctl -n '__imapctl_wants mailbox' -a '(__imapctl_mailboxes)'
complete -c imapctl -n '__imapctl_wants mailbox-action; and test (count (commandline -opc)) -gt 0; and test (commandline -opc)[-1] = mailbox' -a 'create delete rename subscribe unsubscribe'
complete -c imapctl -n '__imapctl_wants mailbox-action; and test (commandline -opc)[-1] != mailbox' -a '(__imapctl_mailboxes)'
complete -c imapctl -n 'test "$(__imapctl_command)" = flag' -l add -l remove -l set -x -a 'seen answered flagged deleted draft' -d 'flag'
complete -c imapctl -n 'test "$(__imapctl_command)" = append' -l flags -x -a 'seen answered flagged deleted draft' -d 'flag'
complete -c imapctl -n '__imapctl_wants command' -a '(imapctl __complete commands 2>/dev/null)'
complete -c imapctl -n '__imapctl_wants shell' -a 'bash zsh fish'
