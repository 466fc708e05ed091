# SPDX-License-Identifier: MIT
# fish completion for imapctl. Commands and options come from
# "imapctl __complete"; mailbox names from "imapctl list" with the
# connection options already typed, a short timeout and no prompts.

function __imapctl_mailboxes
    set -l words (commandline -opc)
    set -l conn
    set -l i 2
    while test $i -le (count $words)
        switch $words[$i]
            case --url -H --host -p --port -u --user --tls --cafile --password-file --password-cmd --auth -a --account --config --netrc-file --oauth2-token-cmd
                set -a conn $words[$i] $words[(math $i + 1)]
                set i (math $i + 1)
            case '--url=*' '--host=*' '--port=*' '--user=*' '--tls=*' '--cafile=*' '--password-file=*' '--password-cmd=*' '--auth=*' '--account=*' '--config=*' '--netrc-file=*' '--oauth2-token-cmd=*' --insecure --allow-cleartext --no-sasl-ir --no-compress --id
                set -a conn $words[$i]
        end
        set i (math $i + 1)
    end
    imapctl $conn --timeout 2 list -o text </dev/null 2>/dev/null | cut -f1
end

# Whether OPTION takes an argument, by the "option<TAB>argument..." lines.
function __imapctl_takes_arg -a opt
    for l in $argv[2..-1]
        set -l f (string split \t -- $l)
        if test "$f[1]" = "$opt"; and test -n "$f[2]"
            echo "$f[3]"
            return 0
        end
    end
    return 1
end

# What fits the word being typed: the argument of an option (files,
# directories, mailboxes, fixed words or nothing), an option, the command,
# or the operand in its place ("-" is an operand, everything after "--" too).
function __imapctl_complete
    set -l words (commandline -opc)
    set -e words[1]
    set -l cur (commandline -ct)
    set -l cmd
    set -l n 0
    set -l query 0
    set -l ended 0
    set -l skip 0
    set -l optlines (imapctl __complete options 2>/dev/null)
    # The command word, then the operands after it, past options and
    # their arguments.
    for w in $words
        if test $skip = 1
            set skip 0
            continue
        end
        if test -z "$cmd"
            if string match -q -- '-*' $w
                if not string match -q -- '*=*' $w
                    and __imapctl_takes_arg $w $optlines >/dev/null
                    set skip 1
                end
            else
                set cmd $w
                set optlines (imapctl __complete options $cmd 2>/dev/null)
            end
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
                    and __imapctl_takes_arg $w $optlines >/dev/null
                    set skip 1
                end
                continue
            end
        end
        set n (math $n + 1)
    end

    if test $ended = 0
        set -l prev
        test (count $words) -gt 0; and set prev $words[-1]
        set -l prefix
        # "--save=DIR": the value, after the option.
        if string match -qr -- '^--[^=]+=' $cur
            set prev (string replace -r -- '=.*' '' $cur)
            set prefix $prev=
            set cur (string replace -r -- '^[^=]*=' '' $cur)
        end
        set -l values
        switch "$prev"
            case --send-via
                set values smtp:// smtps://
            case -a --account
                set -l conf
                for i in (seq (count $words))
                    switch $words[$i]
                        case --config
                            set conf --config $words[(math $i + 1)]
                        case '--config=*'
                            set conf $words[$i]
                    end
                end
                set values (imapctl $conf __complete accounts </dev/null 2>/dev/null)
            case --add --remove --set --flags
                set values seen answered flagged deleted draft
            case '*'
                set -l kind (__imapctl_takes_arg "$prev" $optlines)
                if test $status = 0
                    switch "$kind"
                        case file
                            set values (__fish_complete_path $cur)
                        case dir
                            set values (__fish_complete_directories $cur)
                        case mailbox
                            set values (__imapctl_mailboxes)
                        case word
                            # The words of the option's table (-o, --tls, --sort).
                            set values (imapctl __complete words -- $prev $cmd 2>/dev/null)
                    end
                    test (count $values) -gt 0; and printf "$prefix%s\n" $values
                    return
                end
        end
        if test (count $values) -gt 0
            printf "$prefix%s\n" $values
            return
        end
        if string match -q -- '-*' $cur
            for l in $optlines
                set -l f (string split \t -- $l)
                printf '%s\t%s\n' $f[1] $f[4]
            end
            return
        end
    end
    if test -z "$cmd"
        imapctl __complete commands 2>/dev/null
        return
    end
    set -l kinds
    for k in (string split ' ' -- (imapctl __complete operands $cmd 2>/dev/null))
        if test $k != set; or test $query = 0
            set -a kinds $k
        end
    end
    test (count $kinds) -gt 0; or return
    set -l i (math $n + 1)
    test $i -le (count $kinds); or set i (count $kinds)
    switch $kinds[$i]
        case mailbox
            __imapctl_mailboxes
        case file
            __fish_complete_path $cur
        case query
            # older:6 goes on with the units of a duration.
            imapctl __complete terms $cur 2>/dev/null
        case action
            printf '%s\n' create delete rename subscribe unsubscribe
        case command
            imapctl __complete commands 2>/dev/null
        case shell
            printf '%s\n' bash zsh fish
    end
end

complete -c imapctl -f -a '(__imapctl_complete)'
