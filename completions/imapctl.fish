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

# What fits the word being typed: the argument of an option (files,
# directories, mailboxes, fixed words or nothing), an option, the command,
# or the operand in its place ("-" is an operand, everything after "--" too).
function __imapctl_complete
    set -l words (commandline -opc)
    set -l cur (commandline -ct)
    set -l cmd (__imapctl_command)
    set -l optlines (imapctl __complete options $cmd 2>/dev/null)
    set -l prev $words[-1]
    switch $prev
        case -o --format
            printf '%s\n' text json jsonl xml
            test "$cmd" = check; and echo prometheus
            return
        case --tls
            printf '%s\n' implicit starttls none
            return
        case --auth
            printf '%s\n' auto scram-sha-256 scram-sha-1 plain login xoauth2 oauthbearer
            return
        case --sort
            printf '%s\n' date -date size -size
            return
        case --add --remove --set --flags
            printf '%s\n' seen answered flagged deleted draft
            return
    end
    for l in $optlines
        set -l f (string split \t -- $l)
        if test "$f[1]" = "$prev"; and test -n "$f[2]"
            switch "$f[3]"
                case file
                    __fish_complete_path $cur
                case dir
                    __fish_complete_directories $cur
                case mailbox
                    __imapctl_mailboxes
            end
            return
        end
    end
    if string match -q -- '-*' $cur
        for l in $optlines
            set -l f (string split \t -- $l)
            printf '%s\t%s\n' $f[1] $f[4]
        end
        return
    end
    if test -z "$cmd"
        imapctl __complete commands 2>/dev/null
        return
    end
    # Count the operands before this one.
    set -l n 0
    set -l query 0
    set -l ended 0
    set -l seen 0
    set -l skip 0
    for w in $words[2..-1]
        if test $seen = 0
            # Up to the command word.
            test "$w" = "$cmd"; and set seen 1
            continue
        end
        if test $skip = 1
            set skip 0
            continue
        end
        if test $ended = 0
            switch $w
                case --
                    set ended 1
                    continue
                case --query '--query=*'
                    set query 1
            end
            if string match -qr -- '^-.' $w
                if not string match -q -- '*=*' $w
                    for l in $optlines
                        set -l f (string split \t -- $l)
                        if test "$f[1]" = "$w"; and test -n "$f[2]"
                            set skip 1
                        end
                    end
                end
                continue
            end
        end
        set n (math $n + 1)
    end
    set -l kinds
    for k in (string split ' ' -- (imapctl __complete operands $cmd 2>/dev/null))
        if test $k != set; or test $query = 0
            set -a kinds $k
        end
    end
    test (count $kinds) -gt 0; or return
    set -l i (math "min($n + 1, $(count $kinds))")
    switch $kinds[$i]
        case mailbox
            __imapctl_mailboxes
        case file
            __fish_complete_path $cur
        case query
            imapctl __complete terms 2>/dev/null
        case action
            printf '%s\n' create delete rename subscribe unsubscribe
        case command
            imapctl __complete commands 2>/dev/null
        case shell
            printf '%s\n' bash zsh fish
    end
end

complete -c imapctl -f -a '(__imapctl_complete)'
