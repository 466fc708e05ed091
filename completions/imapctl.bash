# bash completion for imapctl
#
# Commands and options come from "imapctl __complete", so they always
# match the installed binary; mailbox names come from the server itself
# ("imapctl list"), with the connection options already typed, a short
# timeout and no prompts.

_imapctl_mailboxes()
{
	# words and cword are _imapctl_complete's.
	local -a conn=()
	local i w
	for ((i = 1; i < cword; i++)); do
		w=${words[i]}
		case $w in
		--url|-H|--host|-p|--port|-u|--user|--tls|--cafile|--password-file|--password-cmd|--auth|-a|--account|--config|--netrc-file|--oauth2-token-cmd)
			conn+=("$w" "${words[i+1]}")
			((i++))
			;;
		--url=*|--host=*|--port=*|--user=*|--tls=*|--cafile=*|--password-file=*|--password-cmd=*|--auth=*|--account=*|--config=*|--netrc-file=*|--oauth2-token-cmd=*|--insecure|--no-sasl-ir|--id)
			conn+=("$w")
			;;
		esac
	done
	"${words[0]}" "${conn[@]}" --timeout 2 list -o text \
		</dev/null 2>/dev/null | cut -f1
}

_imapctl_complete()
{
	local cur prev cmd= i w c0 n=0 query=0 ended=0 join=0 optlines kind
	local -a words=() kinds=()
	local cword=0

	# bash splits words at "=": "--host=x" comes as --host, = and x. Join
	# them again, so that an option and its value are one word.
	for ((i = 0; i < ${#COMP_WORDS[@]}; i++)); do
		w=${COMP_WORDS[i]}
		n=$((${#words[@]} - 1))
		if ((join)); then
			words[n]+=$w
			join=0
		elif [[ $w == = && $n -gt 0 && ${words[n]} == --?* &&
		    ${words[n]} != *=* ]]; then
			words[n]+==
			join=1
		else
			words+=("$w")
		fi
		((i == COMP_CWORD)) && cword=$((${#words[@]} - 1))
	done
	n=0
	cur=${words[cword]}
	prev=${words[cword-1]}
	local bin=${words[0]}

	# The command word: the first operand that is not an option's argument.
	for ((i = 1; i < cword; i++)); do
		w=${words[i]}
		case $w in
		-o|--format|-a|--account|--config|--url|-H|--host|-p|--port|-u|--user|--tls|--cafile|--password-file|--password-cmd|--netrc-file|--oauth2-token-cmd|--auth|--timeout|--max-size)
			((i++)); continue ;;
		-*) continue ;;
		esac
		cmd=$w
		break
	done
	c0=$i
	# "option<TAB>argument<TAB>kind<TAB>help" a line.
	optlines=$("$bin" __complete options $cmd 2>/dev/null)

	# Which operand this is: count those before it, past options and
	# their arguments ("-" is an operand, everything after "--" too).
	if [[ -n $cmd ]]; then
		for ((i = c0 + 1; i < cword; i++)); do
			w=${words[i]}
			if ((!ended)); then
				case $w in
				--) ended=1; continue ;;
				--query|--query=*) query=1 ;;
				esac
				if [[ $w == -?* ]]; then
					[[ $w != *=* ]] && awk -F'\t' -v o="$w" '$1 == o && $2 != "" { f = 1 } END { exit !f }' \
						<<<"$optlines" && ((i++))
					continue
				fi
			fi
			((n++))
		done
	fi

	if ((!ended)); then
		# "--save=DIR": the value, after the option.
		if [[ $cur == --?*=* ]]; then
			prev=${cur%%=*}
			cur=${cur#*=}
		fi
		# The argument of an option: files, directories, mailboxes,
		# fixed words, or nothing to offer.
		case $prev in
		-o|--format)
			local fmts="text json jsonl xml"
			[[ $cmd == check ]] && fmts+=" prometheus"
			COMPREPLY=($(compgen -W "$fmts" -- "$cur")); return ;;
		--tls) COMPREPLY=($(compgen -W "implicit starttls none" -- "$cur")); return ;;
		--auth) COMPREPLY=($(compgen -W "auto scram-sha-256 scram-sha-1 plain login xoauth2 oauthbearer" -- "$cur")); return ;;
		--sort) COMPREPLY=($(compgen -W "date -date size -size" -- "$cur")); return ;;
		--add|--remove|--set|--flags)
			COMPREPLY=($(compgen -W "seen answered flagged deleted draft" -- "$cur"))
			return ;;
		esac
		kind=$(awk -F'\t' -v o="$prev" '$1 == o && $2 != "" {
			print ($3 != "" ? $3 : "arg"); exit }' <<<"$optlines")
		case $kind in
		file|dir)
			local IFS=$'\n'
			compopt -o filenames 2>/dev/null
			COMPREPLY=($(compgen -"${kind:0:1}" -- "$cur"))
			return ;;
		mailbox)
			local IFS=$'\n'
			COMPREPLY=($(compgen -W "$(_imapctl_mailboxes)" -- "$cur"))
			return ;;
		arg) return ;;
		esac
		if [[ $cur == -* ]]; then
			COMPREPLY=($(compgen -W "$(cut -f1 <<<"$optlines")" -- "$cur"))
			return
		fi
	fi
	if [[ -z $cmd ]]; then
		COMPREPLY=($(compgen -W "$("$bin" __complete commands 2>/dev/null | cut -f1)" -- "$cur"))
		return
	fi

	for w in $("$bin" __complete operands "$cmd" 2>/dev/null); do
		[[ $w == set && $query == 1 ]] || kinds+=("$w")
	done
	((${#kinds[@]})) || return
	((n < ${#kinds[@]})) || n=$((${#kinds[@]} - 1))
	case ${kinds[n]} in
	mailbox)
		local IFS=$'\n'
		compopt -o filenames 2>/dev/null
		COMPREPLY=($(compgen -W "$(_imapctl_mailboxes)" -- "$cur"))
		;;
	file)
		local IFS=$'\n'
		compopt -o filenames 2>/dev/null
		COMPREPLY=($(compgen -f -- "$cur"))
		;;
	query)
		# bash splits "from:x" at the colon: a value is no term.
		[[ $prev == : || $cur == : ]] && return
		COMPREPLY=($(compgen -W "$("$bin" __complete terms 2>/dev/null)" -- "$cur"))
		# "from:" and the like go on with their value.
		[[ ${#COMPREPLY[@]} == 1 && ${COMPREPLY[0]} == *: ]] &&
			compopt -o nospace 2>/dev/null
		;;
	action)
		COMPREPLY=($(compgen -W "create delete rename subscribe unsubscribe" -- "$cur"))
		;;
	command)
		COMPREPLY=($(compgen -W "$("$bin" __complete commands 2>/dev/null | cut -f1)" -- "$cur"))
		;;
	shell)
		COMPREPLY=($(compgen -W "bash zsh fish" -- "$cur"))
		;;
	esac
}

_imapctl()
{
	COMPREPLY=()
	_imapctl_complete
	# With the cursor just after "--save=", bash replaces the "=" itself.
	if [[ ${COMP_WORDS[COMP_CWORD]} == = ]] && ((${#COMPREPLY[@]})); then
		COMPREPLY=("${COMPREPLY[@]/#/=}")
	fi
}

complete -F _imapctl imapctl
