# bash completion for imapctl
#
# Commands and options come from "imapctl __complete", so they always
# match the installed binary; mailbox names come from the server itself
# ("imapctl list"), with the connection options already typed, a short
# timeout and no prompts.

_imapctl_mailboxes()
{
	local -a conn=()
	local i w
	for ((i = 1; i < ${#COMP_WORDS[@]} - 1; i++)); do
		w=${COMP_WORDS[i]}
		case $w in
		--url|-H|--host|-p|--port|-u|--user|--tls|--cafile|--password-file|--password-cmd|--auth|-a|--account|--config|--netrc-file|--oauth2-token-cmd)
			conn+=("$w" "${COMP_WORDS[i+1]}")
			((i++))
			;;
		--url=*|--host=*|--port=*|--user=*|--tls=*|--cafile=*|--password-file=*|--password-cmd=*|--auth=*|--account=*|--config=*|--netrc-file=*|--oauth2-token-cmd=*|--insecure|--no-sasl-ir|--id)
			conn+=("$w")
			;;
		esac
	done
	"${COMP_WORDS[0]}" "${conn[@]}" --timeout 2 list -o text \
		</dev/null 2>/dev/null | cut -f1
}

_imapctl()
{
	local cur prev cmd i w n=0 query=0 ended=0 optlines kind
	local -a kinds
	cur=${COMP_WORDS[COMP_CWORD]}
	prev=${COMP_WORDS[COMP_CWORD-1]}
	local bin=${COMP_WORDS[0]}

	# The command word: the first operand that is not an option's argument.
	for ((i = 1; i < COMP_CWORD; i++)); do
		w=${COMP_WORDS[i]}
		case $w in
		-o|--format|-a|--account|--config|--url|-H|--host|-p|--port|-u|--user|--tls|--cafile|--password-file|--password-cmd|--netrc-file|--oauth2-token-cmd|--auth|--timeout|--max-size)
			((i++)); continue ;;
		-*) continue ;;
		esac
		cmd=$w
		break
	done
	# "option<TAB>argument<TAB>kind<TAB>help" a line.
	optlines=$("$bin" __complete options $cmd 2>/dev/null)

	# The argument of an option: files, directories, mailboxes, fixed
	# words, or nothing to offer.
	kind=$(awk -F'\t' -v o="$prev" '$1 == o && $2 != "" {
		print ($3 != "" ? $3 : "arg"); exit }' <<<"$optlines")
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
	case $kind in
	file) COMPREPLY=($(compgen -f -- "$cur")); return ;;
	dir) COMPREPLY=($(compgen -d -- "$cur")); return ;;
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
	if [[ -z $cmd ]]; then
		COMPREPLY=($(compgen -W "$("$bin" __complete commands 2>/dev/null | cut -f1)" -- "$cur"))
		return
	fi

	# Which operand this is: count those before it, past options and
	# their arguments ("-" is an operand, everything after "--" too).
	for ((i++; i < COMP_CWORD; i++)); do
		w=${COMP_WORDS[i]}
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
	file) COMPREPLY=($(compgen -f -- "$cur")) ;;
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

complete -F _imapctl imapctl
