# SPDX-License-Identifier: MIT
# bash completion for imapctl
#
# Commands and options come from "imapctl __complete", so they always
# match the installed binary; mailbox names come from the server itself
# ("imapctl list"), with the connection options already typed, a short
# timeout and no prompts.

_imapctl_mailboxes()
{
	# words and cword are _imapctl's.
	local -a conn=()
	local i w
	for ((i = 1; i < cword; i++)); do
		w=${words[i]}
		case $w in
		--url|-H|--host|-p|--port|-u|--user|--tls|--cafile|--password-file|--password-cmd|--auth|-a|--account|--config|--netrc-file|--oauth2-token-cmd)
			conn+=("$w" "${words[i+1]}")
			((i++))
			;;
		--url=*|--host=*|--port=*|--user=*|--tls=*|--cafile=*|--password-file=*|--password-cmd=*|--auth=*|--account=*|--config=*|--netrc-file=*|--oauth2-token-cmd=*|--insecure|--allow-cleartext|--no-sasl-ir|--no-compress|--id)
			conn+=("$w")
			;;
		esac
	done
	"${words[0]}" "${conn[@]}" --timeout 2 list -o text \
		</dev/null 2>/dev/null | cut -f1
}

# The accounts of the configuration file, as --config (if typed) names it.
_imapctl_accounts()
{
	# words and cword are _imapctl's.
	local -a conf=()
	local i
	for ((i = 1; i < cword; i++)); do
		case ${words[i]} in
		--config) conf=(--config "${words[i+1]}") ;;
		--config=*) conf=("${words[i]}") ;;
		esac
	done
	"${words[0]}" "${conf[@]}" __complete accounts </dev/null 2>/dev/null
}

# The word as the shell will pass it: quotes and backslashes undone, so
# that "Tom\'s" or "'Zitat \"" match the mailbox names as they are.
_imapctl_dequote()
{
	local s=$1 c q= i
	REPLY=
	for ((i = 0; i < ${#s}; i++)); do
		c=${s:i:1}
		if [[ $q == "'" ]]; then
			[[ $c == "'" ]] && q= || REPLY+=$c
		elif [[ $q == '"' ]]; then
			if [[ $c == '"' ]]; then
				q=
			elif [[ $c == '\' && ${s:i+1:1} == [\"\\\$\`] ]]; then
				REPLY+=${s:i+1:1}
				((i++))
			else
				REPLY+=$c
			fi
		else
			case $c in
			"'"|'"') q=$c ;;
			'\') REPLY+=${s:i+1:1}; ((i++)) ;;
			*) REPLY+=$c ;;
			esac
		fi
	done
}

# COMPREPLY: the mailbox names that start with the word, as they are
# (compgen -W would split them and take their quotes away); readline
# quotes them as it inserts them.
_imapctl_mailbox_reply()
{
	local name
	_imapctl_dequote "$cur"
	COMPREPLY=()
	while IFS= read -r name; do
		[[ -n $name && $name == "$REPLY"* ]] && COMPREPLY+=("$name")
	done < <(_imapctl_mailboxes)
	compopt -o filenames 2>/dev/null
}

# bash splits words at "=" and ":" too: "--url=imaps://h:993" comes as
# --url, =, imaps, :, //h, : and 993. Into words and cword, the words as
# typed: pieces with no blank between them in COMP_LINE joined again.
_imapctl_words()
{
	local line=${COMP_LINE:0:COMP_POINT} rest pre w i off=0 end=-1 pos
	words=()
	cword=0
	for ((i = 0; i < ${#COMP_WORDS[@]}; i++)); do
		w=${COMP_WORDS[i]}
		rest=${line:off}
		pre=${rest%%"$w"*}
		if [[ -z $w ]]; then
			pos=${#line}
		elif [[ $pre == "$rest" ]]; then
			pos=-2		# not found: a word of its own
		else
			pos=$((off + ${#pre}))
		fi
		if ((i > 0 && pos == end)); then
			words[${#words[@]}-1]+=$w
		else
			words+=("$w")
		fi
		if ((pos >= 0)); then
			end=$((pos + ${#w}))
			off=$end
		fi
		((i == COMP_CWORD)) && cword=$((${#words[@]} - 1))
	done
}

# Whether the word is an option that takes an argument, by optlines
# ("option<TAB>argument<TAB>kind<TAB>help" a line) of the caller.
_imapctl_takes_arg()
{
	[[ $1 != *=* ]] && awk -F'\t' -v o="$1" \
		'$1 == o && $2 != "" { f = 1 } END { exit !f }' <<<"$optlines"
}

# COMPREPLY for words and cword (_imapctl's); cur is left as the text the
# candidates complete.
_imapctl_complete()
{
	local prev cmd= i w c0 n=0 query=0 ended=0 optlines kind
	local -a kinds=()

	cur=${words[cword]}
	prev=${words[cword-1]}
	local bin=${words[0]}

	# The command word: the first operand that is not the argument of a
	# global option.
	optlines=$("$bin" __complete options 2>/dev/null)
	for ((i = 1; i < cword; i++)); do
		w=${words[i]}
		if [[ $w == -* ]]; then
			_imapctl_takes_arg "$w" && ((i++))
			continue
		fi
		cmd=$w
		break
	done
	c0=$i
	[[ -z $cmd ]] || optlines=$("$bin" __complete options "$cmd" 2>/dev/null)

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
					_imapctl_takes_arg "$w" && ((i++))
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
		--send-via)
			# The scheme; the host follows it without a space.
			COMPREPLY=($(compgen -W "smtp:// smtps://" -- "$cur"))
			compopt -o nospace 2>/dev/null
			return ;;
		-a|--account)
			COMPREPLY=($(compgen -W "$(_imapctl_accounts)" -- "$cur"))
			return ;;
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
			_imapctl_mailbox_reply
			return ;;
		word)
			# The words of the option's table (-o, --tls, --sort).
			COMPREPLY=($(compgen -W "$("$bin" __complete words -- "$prev" $cmd 2>/dev/null)" -- "$cur"))
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
		_imapctl_mailbox_reply
		;;
	file)
		local IFS=$'\n'
		compopt -o filenames 2>/dev/null
		COMPREPLY=($(compgen -f -- "$cur"))
		;;
	query)
		# older:6 goes on with the units of a duration.
		COMPREPLY=($(compgen -W "$("$bin" __complete terms "$cur" 2>/dev/null)" -- "$cur"))
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
	local cur colon i cword
	local -a words
	COMPREPLY=()
	_imapctl_words
	_imapctl_complete
	# bash replaces only what follows the last ":" of the word: the
	# candidates go without what comes before it ("from:" when "from:"
	# is typed, "Work:" of a mailbox "Work:Old").
	colon=${cur%"${cur##*:}"}
	if [[ -n $colon && $COMP_WORDBREAKS == *:* ]]; then
		for i in "${!COMPREPLY[@]}"; do
			COMPREPLY[i]=${COMPREPLY[i]#"$colon"}
		done
	fi
}

complete -F _imapctl imapctl
