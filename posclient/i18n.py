"""Messages for PosError codes and command output, Simplified Chinese first, English second.

The Qt screens translate their own labels through Qt Linguist files (resources/i18n); the
reasons that come from the domain and services are looked up here, so the CLI, the GUI and logs
all say the same thing. A test checks every code raised in posclient/ has both languages.
"""

from __future__ import annotations

import errno
import os
import string
from datetime import datetime
from typing import Any

from posclient.domain.errors import PosError
from posclient.domain.money import format_yuan

LANGS = ("zh_CN", "en")
DEFAULT_LANG = "zh_CN"

# code: (zh_CN, en). Placeholders are str.format fields filled from PosError.params.
MESSAGES: dict[str, tuple[str, str]] = {
    # member codes, barcodes, phone numbers
    "code.empty": ("未读取到任何内容", "Nothing was scanned or typed"),
    "code.too_long": (
        "内容过长（最多 {max} 个字符），不是会员码或条码",
        "Too long (max {max} characters) to be a code",
    ),
    "code.unknown_format": (
        "无法识别的码：不是会员码、手机号或商品条码",
        "Not a member code, phone number or product barcode",
    ),
    "code.product_not_member": (
        "这是商品条码，不是会员码",
        "This is a product barcode, not a member code",
    ),
    "card.not_digits": ("会员卡号只能包含数字", "A member card number has digits only"),
    "card.wrong_length": (
        "会员卡号应为 {expected} 位，实际 {length} 位",
        "A member card number has {expected} digits, not {length}",
    ),
    "card.wrong_prefix": (
        "不是本连锁的会员卡（卡号应以 {prefix} 开头）",
        "Not one of our member cards (they start with {prefix})",
    ),
    "card.bad_check_digit": (
        "会员卡号校验位错误，请重新扫描或核对卡号",
        "Member card number check digit is wrong: rescan or check the number",
    ),
    "phone.empty": ("请输入手机号", "Enter a phone number"),
    "phone.not_digits": ("手机号只能包含数字", "A phone number has digits only"),
    "phone.wrong_length": (
        "手机号应为 {expected} 位，实际 {length} 位",
        "A mobile number has {expected} digits, not {length}",
    ),
    "phone.bad_prefix": (
        "不是有效的中国大陆手机号（应以 13–19 开头）",
        "Not a valid mainland China mobile number (starts 13–19)",
    ),
    "qr.malformed": (
        "会员二维码格式错误或不完整，请重新扫描",
        "Member QR code is malformed or truncated: scan again",
    ),
    "qr.foreign_chain": (
        "这是其他商家的会员码，不能在本店使用",
        "This member code belongs to another retailer",
    ),
    "qr.bad_card": (
        "会员二维码中的卡号无效",
        "The card number inside the member QR code is invalid",
    ),
    "qr.no_key": (
        "尚未收到总部的验证密钥，暂不能验证动态会员码；请改用会员卡或手机号",
        "No HQ verification key yet: use the card or phone number",
    ),
    "qr.bad_signature": (
        "会员码验证失败（可能被篡改），请让会员刷新会员码",
        "Member code failed verification (tampered?): ask the member to refresh it",
    ),
    "qr.expired": (
        "会员码已过期，请让会员刷新后再扫",
        "Member code has expired: ask the member to refresh it",
    ),
    "qr.not_yet_valid": (
        "会员码时间无效（时钟不一致），请让会员刷新后再扫",
        "Member code is not valid yet (clock skew): ask the member to refresh it",
    ),
    "barcode.bad_check_digit": (
        "商品条码校验位错误，请重新扫描",
        "Product barcode check digit is wrong: scan again",
    ),
    # members
    "member.not_found_phone": (
        "没有找到该手机号的会员，可为顾客办理入会",
        "No member with this phone number: you can enrol the customer",
    ),
    "member.gone": (
        "会员资料已变更，请重新扫描会员码",
        "The member record changed: scan the member code again",
    ),
    # cart
    "cart.empty": ("购物车是空的", "The cart is empty"),
    "cart.unknown_sku": ("未知商品：{sku}", "Unknown product: {sku}"),
    "cart.not_in_cart": ("商品 {sku} 不在本单中", "Product {sku} is not in this sale"),
    "cart.bad_qty": ("数量必须是整数", "Quantity must be a whole number"),
    "cart.qty_not_positive": ("数量必须大于 0", "Quantity must be at least 1"),
    "cart.qty_too_large": ("数量过大（最多 {max}）", "Quantity too large (max {max})"),
    "cart.no_such_line": ("没有第 {line} 行", "There is no line {line}"),
    "cart.no_points_price": (
        "商品 {sku} 没有积分加现金价",
        "Product {sku} has no points+cash price",
    ),
    "cart.total_too_large": ("单笔金额超过上限 {max}", "Sale total exceeds the limit of {max}"),
    # coupons
    "coupon.unknown": ("优惠券 {code} 不存在或不属于本连锁", "Coupon {code} does not exist here"),
    "coupon.used": ("优惠券 {code} 已使用", "Coupon {code} has already been used"),
    "coupon.void": ("优惠券 {code} 已作废", "Coupon {code} is void"),
    "coupon.not_yet_valid": (
        "优惠券 {code} 尚未生效（{valid_from} 起）",
        "Coupon {code} is not valid until {valid_from}",
    ),
    "coupon.expired": (
        "优惠券 {code} 已于 {valid_until} 过期",
        "Coupon {code} expired on {valid_until}",
    ),
    "coupon.member_only": (
        "优惠券 {code} 仅限会员使用，请先识别会员",
        "Coupon {code} is for members: identify the member first",
    ),
    "coupon.not_this_member": (
        "优惠券 {code} 不属于当前会员",
        "Coupon {code} belongs to another member",
    ),
    "coupon.first_purchase_only": (
        "优惠券 {code} 仅限首次消费使用",
        "Coupon {code} is for a first purchase only",
    ),
    "coupon.below_min_spend": (
        "未达到优惠券 {code} 的最低消费 {min_spend}（按会员折后可用券商品计，本单 {eligible}）",
        "Coupon {code} needs a minimum spend of {min_spend} on items it applies to, after the "
        "member discount (this sale: {eligible})",
    ),
    "coupon.nothing_eligible": (
        "优惠券 {code} 不适用于本单商品（没有可打折的商品），未使用",
        "Coupon {code} does not apply to anything in this sale (no discountable item); not used",
    ),
    # points
    "points.negative": ("积分数不能为负", "Points cannot be negative"),
    "points.not_whole_yuan": (
        "积分须按整元抵扣（{step} 积分的整数倍）",
        "Points are redeemed in whole yuan (multiples of {step})",
    ),
    "points.over_balance": (
        "积分不足：可用 {balance}，需要 {requested}",
        "Not enough points: {balance} available, {requested} requested",
    ),
    "points.stale_balance": (
        "离线中，积分余额为 {as_of} 的数据，已超过可用时限：本单暂不能使用积分",
        "Offline, and the points balance is from {as_of}, too old to spend: no points now",
    ),
    "sale.already_completed": (
        "这笔交易已经完成（小票 {receipt_no}），不会再记一次",
        "This sale is already completed (receipt {receipt_no}); it is not written again",
    ),
    "points.stale_balance_never": (
        "离线中，积分余额尚未经总部确认：本单暂不能使用积分",
        "Offline, and HQ has never confirmed the points balance: no points now",
    ),
    "points.over_offline_cap": (
        "离线时现在最多可用 {limit} 积分（离线限额：每单及每位会员每天）",
        "Offline, at most {limit} points can be used now (offline limit per sale and per "
        "member per day)",
    ),
    "points.over_cap": (
        "超过本单可用积分上限：最多 {limit} 积分",
        "Over this sale's points limit: at most {limit} points",
    ),
    "points.member_required": ("使用积分需先识别会员", "Identify the member before using points"),
    "points.provisional_member": (
        "会员资料尚未同步到本机，本单可累积积分但不能用积分抵扣",
        "Member not synced to this till yet: earns points, cannot redeem",
    ),
    "points.balance_stale": (
        "离线且积分余额过旧，暂不能用积分抵扣",
        "Offline and the balance is too old: points cannot be redeemed now",
    ),
    # refunds
    "refund.unknown_receipt": ("找不到小票 {receipt}", "No sale with receipt {receipt}"),
    "refund.bad_qty": ("第 {line} 行的退货数量无效", "Invalid refund quantity on line {line}"),
    "refund.qty_over_sold": (
        "第 {line} 行最多还能退 {left} 件",
        "Line {line}: at most {left} can still be refunded",
    ),
    "refund.line_refunded": (
        "第 {line} 行已全部退货",
        "Line {line} has already been fully refunded",
    ),
    "refund.already_refunded": ("这张小票已全部退货", "This sale has already been fully refunded"),
    "refund.nothing_selected": ("请选择要退货的商品", "Select the items to refund"),
    "refund.unknown_line": ("小票上没有第 {line} 行", "The receipt has no line {line}"),
    # store, secrets, crypto
    "store.corrupt": (
        "数据库文件已损坏或不是本系统的数据库：{path}；请运行 posclient-admin doctor，"
        "再用 posclient-admin restore 恢复备份",
        "The database file is corrupt or not a posclient database: {path}; run posclient-admin "
        "doctor, then restore a backup (posclient-admin restore)",
    ),
    "store.busy": ("数据库正忙，请稍后重试", "The database is busy: try again in a moment"),
    "store.disk_full": (
        "磁盘已满，无法保存：请联系管理员清理空间",
        "The disk is full: nothing was saved, free some space",
    ),
    "store.unreadable": (
        "无法打开数据库文件（权限或路径错误）：{path}",
        "Cannot open the database file (permissions or path): {path}",
    ),
    "store.failed": ("数据库操作失败（{error}）", "Database operation failed ({error})"),
    "store.io_error": (
        "读写数据库时磁盘出错（{error}）：请检查磁盘；这不表示数据库已损坏：{path}",
        "A disk error occurred reading or writing the database ({error}): check the disk; "
        "this alone does not mean the database is damaged: {path}",
    ),
    "store.read_only": (
        "数据库无法写入（文件、文件夹或磁盘为只读），未保存任何内容：{path}",
        "The database cannot be written (read-only file, folder or disk): nothing was saved: "
        "{path}",
    ),
    "store.cannot_create": (
        "无法创建数据目录 {path}：{reason}",
        "Cannot create the data directory {path}: {reason}",
    ),
    "store.data_dir_not_dir": (
        "数据目录不是文件夹：{path}",
        "The data directory is not a directory: {path}",
    ),
    "store.newer_schema": (
        "数据库来自更新版本的 posclient（结构版本 {revision}），请先升级本软件：{path}",
        "The database comes from a newer posclient (schema {revision}); upgrade first: {path}",
    ),
    "cli.internal_error": (
        "内部错误：{error}（详情见日志）",
        "internal error: {error} (details in the log)",
    ),
    # the queue as text (posclient-admin queue): what each event is, and where it stands
    "event.sale.completed": ("销售", "Sale"),
    "event.refund.completed": ("退货", "Refund"),
    "event.member.enrolled": ("会员注册", "Enrolment"),
    "event.member.patched": ("资料修改", "Profile edit"),
    "event.consent.recorded": ("同意记录", "Consent decision"),
    "event.member.erasure_requested": ("删除请求", "Erasure request"),
    "event.audit.recorded": ("审计记录", "Audit record"),
    "event.points.opening": ("期初积分", "Opening points balance"),
    "event.status.pending": ("待上传", "Waiting"),
    "event.status.rejected": ("总部拒收", "Rejected by HQ"),
    "event.status.applied": ("已入账", "Applied"),
    "event.status.duplicate": ("已入账（重复）", "Applied (repeat)"),
    "event.status.conflict": ("已入账（有冲突）", "Applied (conflict)"),
    "cli.usage.required": ("缺少必需的参数：{what}", "Missing required arguments: {what}"),
    "cli.usage.needs_value": ("参数 {what} 需要一个值", "Argument {what} needs a value"),
    "cli.usage.unknown": ("无法识别的参数：{what}", "Unrecognised arguments: {what}"),
    "cli.usage.choice": (
        "{what} 的取值无效：{value}（用 --help 查看可选项）",
        "Invalid choice for {what}: {value} (see --help)",
    ),
    "cli.usage.value": ("参数 {what} 的值无效：{value}", "Invalid value for {what}: {value}"),
    "cli.usage.other": (
        "用法错误：{detail}（用 --help 查看用法）",
        "Usage error: {detail} (see --help)",
    ),
    "store.not_initialised": (
        "数据目录尚未初始化：请先运行 posclient-admin init",
        "Data directory not initialised: run posclient-admin init first",
    ),
    "secrets.no_keyring": ("系统没有可用的密钥环", "No OS keyring is available"),
    "secrets.bad_mode": (
        "POSCLIENT_SECRETS 的值“{value}”无效：可用 {modes}",
        'POSCLIENT_SECRETS="{value}" is not a choice: use {modes}',
    ),
    "secrets.file_exposed": (
        "密钥文件权限过宽（其他用户可读）：{path}",
        "Secret file is readable by other users: {path}",
    ),
    "crypto.unknown_key": (
        "缺少加密密钥 {key_id}：本机数据无法解密",
        "Encryption key {key_id} is missing: data cannot be decrypted",
    ),
    "secrets.keys_missing": (
        "本机的加密密钥不在密钥存储中（{where}）：请用设置本机时的系统用户运行，或恢复密钥存储；"
        "不会生成新密钥，以免数据无法读取",
        "This till's encryption keys are not in its key store ({where}): run as the OS user who "
        "set it up, or restore the key store; no new keys are made (they would open nothing)",
    ),
    "crypto.undecryptable": (
        "个人信息无法解密（密钥不匹配或数据被篡改）",
        "Personal data cannot be decrypted (wrong key or tampered)",
    ),
    # commands
    "cli.init_done": ("已初始化收银机数据库：{path}", "Till database initialised: {path}"),
    "cli.demo_loaded": (
        "已载入演示数据：商品 {products} 种、会员 {members} 位、优惠券 {coupons} 张、员工 {staff} 人",
        "Demo data loaded: {products} products, {members} members, {coupons} coupons, "
        "{staff} staff",
    ),
    "cli.receipt_header": ("{store}  小票号 {receipt}", "{store}  receipt {receipt}"),
    "cli.receipt_time": ("时间 {time}  收银员 {staff}", "time {time}  cashier {staff}"),
    "cli.receipt_member": ("会员", "Member"),
    "cli.points_items": ("积分换购", "Items paid in points"),
    "cli.receipt_offline": (
        "离线记录，联网后上传总部",
        "Recorded offline; sent to HQ when the till is back online",
    ),
    "cli.receipt_unpaired": (
        "本机尚未与总部配对：记录保存在本机，配对后上传",
        "This till is not paired with HQ yet: kept here and sent once it is paired",
    ),
    "cli.subtotal": ("商品合计", "Subtotal"),
    "cli.member_savings": ("会员价优惠", "Member prices"),
    "cli.tier_discount": ("等级折扣", "Tier discount"),
    "cli.coupon_discount": ("优惠券", "Coupon"),
    "cli.points_paid": ("积分抵扣", "Paid with points"),
    "cli.amount_due": ("应付金额", "Amount due"),
    "cli.points_earned": ("本单获得积分", "Points earned"),
    "cli.balance_after": ("积分余额", "Points balance"),
    "cli.provisional": (
        "会员资料尚未同步：积分为临时累积，同步后入账",
        "Member not synced yet: points are provisional until HQ confirms",
    ),
    "cli.refund_done": (
        "已退货：小票 {receipt}，退款 {amount}，退回积分 {restored}，扣回积分 {reversed}",
        "Refunded receipt {receipt}: {amount} back, {restored} points restored, {reversed} points taken back",
    ),
    "cli.status_till": ("收银机 {device}，门店 {store}", "Till {device}, store {store}"),
    "cli.status_queue": (
        "待上传 {pending} 条，被拒 {rejected} 条",
        "{pending} events waiting, {rejected} rejected",
    ),
    "cli.status_sync": ("上次同步：{last}（总部：{hq}）", "Last sync: {last} (HQ: {hq})"),
    "cli.never": ("从未", "never"),
    "cli.status_online": ("总部：可连接（在线）", "HQ: reachable (online)"),
    "cli.status_reachable_unpaired": (
        "总部：可连接，但本机重新配对之前无法同步",
        "HQ: reachable, but this till cannot sync until it is paired again",
    ),
    "cli.status_offline": (
        "总部：现在无法连接（离线，本机照常销售，恢复后自动上传）",
        "HQ: not reachable now (offline; the till sells as usual and sends everything later)",
    ),
    "cli.not_paired": ("未配对", "not paired"),
    "cli.queue_empty": (
        "队列为空：所有记录均已上传",
        "The queue is empty: everything has reached HQ",
    ),
    "cli.member_price": ("会员价", "member"),
    "cli.member_line": (
        "会员卡 {card}  {tier}  {name}  {phone}",
        "Card {card}  {tier}  {name}  {phone}",
    ),
    "cli.member_points": (
        "积分 {balance}（总部确认 {confirmed}，本机未同步 {unsynced}）",
        "Points {balance} (HQ-confirmed {confirmed}, unsynced here {unsynced})",
    ),
    "app.headless_demo": (
        "收银界面尚未完成：以下为无界面演示销售（数据目录 {path}）",
        "The checkout window is not built yet: a headless demo sale follows (data in {path})",
    ),
    "app.no_window": (
        "收银界面尚未完成；请使用 posclient --demo 或 posclient-admin",
        "The checkout window is not built yet: use posclient --demo or posclient-admin",
    ),
    "cli.paired": (
        "已与总部配对：设备 {device}，门店 {store}；令牌保存在 {backend}",
        "Paired with HQ: device {device}, store {store}; token kept in {backend}",
    ),
    "cli.token_in_keyring": ("系统钥匙串（{backend}）", "the OS keyring ({backend})"),
    "cli.token_in_file": (
        "仅本用户可读的文件中（{path}）",
        "an owner-only (0600) file in {path}",
    ),
    "cli.sync_report": (
        "上传 {pushed} 条（成功 {applied}，重复 {duplicates}，冲突 {conflicts}，被拒 {rejected}），下载 {pulled} 条变更，待上传 {pending} 条",
        "Pushed {pushed} (applied {applied}, duplicates {duplicates}, conflicts {conflicts}, rejected {rejected}), pulled {pulled} changes, {pending} waiting",
    ),
    "cli.sync_resent": (
        "总部缺少它曾确认过的本机 {count} 个事件（可能从备份恢复），已重新排队上传",
        "HQ no longer holds {count} events it had acknowledged from this till (restored from a backup?): queued to send again",
    ),
    "cli.pair_moved_pending": (
        "注意：本机此前配对门店 {before}，还有 {count} 个在那里产生的事件待上传；它们将记入门店 {store}",
        "Note: this till was paired with store {before} and {count} events made there are still "
        "waiting; HQ will book them to store {store}",
    ),
    "cli.token_missing": (
        "本机已配对，但找不到设备令牌（换了系统用户，或令牌文件丢失）：请重新配对",
        "This till was paired but its device token is missing (another OS user, or the token "
        "file was lost): pair it again",
    ),
    "sync.not_paired": (
        "本机尚未与总部配对：请运行 posclient-admin pair 配对码",
        "This till is not paired with HQ: run posclient-admin pair CODE",
    ),
    "sync.no_hq_url": ("未设置总部地址：请用 --hq 指定", "No HQ address set: give it with --hq"),
    "sync.busy": (
        "本机另一个同步或配对正在进行（收银程序的后台同步，或另一条命令）：稍后再试",
        "Another sync pass or pairing is running on this till (the till app's background sync "
        "or another command): try again shortly",
    ),
    "sync.offline": (
        "无法连接总部（离线）：销售照常进行，恢复后自动上传",
        "Cannot reach HQ (offline): selling goes on, data uploads when it is back",
    ),
    "sync.timeout": ("连接总部超时，稍后自动重试", "HQ did not answer in time; retrying later"),
    "sync.unauthorized": (
        "总部拒绝了本机的令牌：请重新配对",
        "HQ refused this till's token: pair it again",
    ),
    "sync.retry_later": ("总部繁忙，稍后自动重试", "HQ is busy; retrying later"),
    "sync.server_error": ("总部服务出错，稍后自动重试", "HQ had an error; retrying later"),
    "sync.bad_response": (
        "总部返回的数据格式错误，已忽略，稍后重试",
        "HQ sent a malformed answer; it was ignored, retrying later",
    ),
    "sync.cursor_gone": (
        "本机数据过旧，需要重新下载全部会员数据",
        "This till's data is too old: a full reload is needed",
    ),
    "sync.pairing_refused": ("配对码无效或已使用", "The pairing code is invalid or already used"),
    "sync.request_refused": ("总部拒绝了请求（{error}）", "HQ refused the request ({error})"),
    "sync.pair_no_answer": (
        "总部 {url} 没有回应：本机尚未配对，但配对码可能已被使用；请重试，若提示配对码无效或已使用，"
        "请向总部索取新的配对码",
        "HQ at {url} did not answer: the till is not paired, but the code may have been used; "
        "try again, and if it is then called invalid or used, ask HQ for a new code",
    ),
    "sync.pair_unreachable": (
        "无法连接总部 {url}：本机尚未配对，配对码未使用；请检查网络和地址后重试",
        "Cannot reach HQ at {url}: the till is not paired and the code is unused; check the "
        "network and the address, then try again",
    ),
    "sync.not_hq": (
        "该地址没有按总部服务应答（HTTP {status}）：请检查总部地址，配对码未使用",
        "That address does not answer as an HQ (HTTP {status}): check it; the code is unused",
    ),
    "consent.membership_is_erasure": (
        "退出会员需要办理注销（删除个人信息），请在会员资料中选择“注销会员”",
        "Leaving the membership is an erasure request: use “Close membership” in the profile",
    ),
    "conflict.gone": ("这条冲突已处理", "This conflict has already been dealt with"),
    "conflict.not_reapplicable": (
        "只有资料冲突可以重新提交；其他冲突仅供查看",
        "Only profile conflicts can be re-applied; the others are for information",
    ),
    "sync.demo_hq_failed": (
        "无法启动本地演示总部：{reason}（收银机离线继续工作）",
        "The local demo HQ did not start: {reason} (the till keeps working offline)",
    ),
    # Reasons HQ gives for a rejected event or a conflict (queue view, conflicts inbox).
    "hq.reason.bad_card_no": ("会员卡号无效", "The card number is not valid"),
    "hq.reason.card_no_taken": (
        "卡号已被其他会员使用",
        "The card number belongs to another member",
    ),
    "hq.reason.consent_exists": ("这条同意记录已存在", "This consent record already exists"),
    "hq.reason.invalid_payload": ("数据格式不被总部接受", "HQ does not accept the data"),
    "hq.reason.lot_exists": ("积分批次已存在", "The points lot already exists"),
    "hq.reason.member_erased": ("会员的个人信息已注销", "The member's personal data was erased"),
    "hq.reason.member_exists": ("会员已存在", "The member already exists"),
    "hq.reason.member_mismatch": ("会员与原销售不符", "The member does not match the sale"),
    "hq.reason.opening_exists": (
        "该会员已有期初积分，不再重复入账",
        "The member already has an opening points balance",
    ),
    "hq.reason.bad_expiry": ("积分有效期超出规则", "The points expiry is beyond the rules"),
    "hq.reason.refund_exceeds_sale": ("退货超过原销售", "The refund is more than the sale"),
    "hq.reason.refund_exists": ("这笔退货已登记", "The refund is already recorded"),
    "hq.reason.sale_exists": ("这笔销售已登记", "The sale is already recorded"),
    "hq.reason.unknown_member": ("总部不认识该会员", "HQ does not know the member"),
    "hq.reason.unknown_sale": ("总部找不到原销售", "HQ cannot find the original sale"),
    "hq.reason.consent_missing": (
        "总部没有该字段所需的同意，未保存",
        "HQ holds no consent for the field, so it was not kept",
    ),
    "hq.reason.consent_withdrawn": ("顾客已撤回同意", "The customer withdrew consent"),
    "hq.reason.coupon_already_used": (
        "优惠券已在别处使用，已按总部结果处理",
        "The coupon was used elsewhere first; HQ's outcome applies",
    ),
    "hq.reason.coupon_void": ("优惠券已作废", "The coupon was void"),
    "hq.reason.coupon_not_members": (
        "优惠券属于其他会员，优惠计为门店折让",
        "The coupon belongs to another member: its discount is the store's",
    ),
    "hq.reason.earn_expiry_adjusted": ("积分有效期已由总部调整", "HQ adjusted the points expiry"),
    "hq.reason.reversal_completed": (
        "整单已退款：总部已收回该单剩余的全部积分",
        "The whole sale is refunded: HQ took back all the points it earned",
    ),
    "hq.reason.earn_capped": (
        "本单积分超过规则上限，已按总部可给的最多积分入账",
        "More points than the rules allow for this sale: HQ credited the most it can",
    ),
    "hq.reason.merge_candidate": (
        "可能与其他会员重复，待总部合并",
        "Possibly a duplicate member: HQ will review",
    ),
    "hq.reason.points_overdraft": (
        "离线抵扣超出总部余额，差额记为欠分",
        "Offline redemption exceeded HQ's balance: the difference is owed",
    ),
    "hq.reason.profile_conflict": (
        "资料已在别处修改，总部保留了对方的值",
        "The profile was changed elsewhere; HQ kept that value",
    ),
    "hq.reason.tier_corrected": ("等级已由总部更正", "HQ corrected the tier"),
    "hq.reason.unknown_coupon": ("总部不认识该优惠券", "HQ does not know the coupon"),
    "demo.missing": ("找不到演示数据文件：{path}", "Demo data file not found: {path}"),
    "demo.invalid": ("演示数据文件格式错误：{path}", "Demo data file is invalid: {path}"),
    # scanning: images, camera frames, printable cards
    "scan.no_code": (
        "图像中没有找到可用的条码或二维码",
        "No usable barcode or QR code found in the image",
    ),
    "scan.unreadable_image": (
        "无法读取图像：文件已损坏或不是图片",
        "Cannot read the image: the file is corrupt or not a picture",
    ),
    "scan.file_not_found": ("找不到图像文件", "Image file not found"),
    "scan.file_too_large": (
        "图像文件过大（最大 {max_mb} MB）",
        "Image file too large (max {max_mb} MB)",
    ),
    "scan.image_too_large": (
        "图像像素过多（最多 {max_mp} 百万像素）",
        "Image too large (max {max_mp} megapixels)",
    ),
    "scan.no_decoder": (
        "条码识别库不可用（zxing-cpp、pyzbar），请运行 posclient-admin doctor",
        "No barcode decoder available (zxing-cpp, pyzbar): run posclient-admin doctor",
    ),
    "scan.kind_member_card": ("会员卡", "member card"),
    "scan.kind_member_qr": ("会员二维码", "member QR"),
    "scan.kind_signed_member_code": (
        "动态会员码（签名在收银时验证）",
        "signed member code (signature checked at checkout)",
    ),
    "scan.kind_product_barcode": ("商品条码", "product barcode"),
    "scan.kind_product_sku": ("商品编码", "product code (SKU)"),
    "scan.kind_phone": ("手机号", "phone number"),
    "cli.card_format": (
        "会员卡文件须为 .png 或 .pdf：{path}",
        "The card file must end in .png or .pdf: {path}",
    ),
    "cli.card_written": ("已生成会员卡：{path}", "Member card written: {path}"),
    "cli.cannot_write": ("无法写入文件：{path}", "Cannot write the file: {path}"),
    # staff, checkout screen, printing (posclient/services/staff.py, audit.py, posclient/ui)
    "staff.unknown": ("员工编号不存在或已停用", "Unknown or inactive staff id"),
    "staff.bad_pin": ("PIN 错误，还可再试 {left} 次", "Wrong PIN: {left} tries left"),
    "staff.locked": (
        "PIN 错误次数过多，账号锁定至 {until}",
        "Too many wrong PINs: locked until {until}",
    ),
    "staff.login_required": ("请先登录", "Log in first"),
    "staff.not_allowed": (
        "当前员工无权执行此操作，请找店长",
        "You are not allowed to do this: ask a manager",
    ),
    "void.reason_required": ("请填写取消交易的原因", "Give a reason for cancelling the sale"),
    "print.no_receipt": ("还没有可重打的小票", "No receipt to reprint yet"),
    "print.escpos_config": (
        "小票打印机设置无效：{spec}",
        "Receipt printer setting is invalid: {spec}",
    ),
    "print.escpos_failed": (
        "小票打印机打印失败（{error}）",
        "The receipt printer failed ({error})",
    ),
    "print.pdf_failed": ("无法保存 PDF：{path}", "Cannot save the PDF: {path}"),
    "scan.partial": ("扫描不完整，请重新扫描", "Incomplete scan: scan again"),
    "scan.camera_unavailable": ("摄像头扫码不可用", "Camera scanning is not available"),
    "settings.bad_number": ("{name} 必须是正数", "{name} must be a positive number"),
    # --- issue 8: store dashboard
    "dashboard.managers_only": (
        "只有店长可以查看门店看板",
        "Only a manager can open the store dashboard",
    ),
    "dashboard.export_failed": ("导出失败：{path}", "Could not export to {path}"),
    # issue 9: installable till (doctor, backup/restore, first run)
    "store.in_use": (
        "收银程序正在使用此数据目录，请先退出收银程序：{path}",
        "The till is running on this data directory: close it first: {path}",
    ),
    "backup.target_is_dir": (
        "备份目标是一个目录，请给出文件名：{path}",
        "The backup target is a directory: give a file name: {path}",
    ),
    "backup.verify_failed": (
        "备份校验失败（{reason}），未写入：{path}",
        "The backup failed verification ({reason}) and was not written: {path}",
    ),
    "backup.source_unreadable": (
        "无法读取数据库（{error}）：{path}",
        "Cannot read the database ({error}): {path}",
    ),
    "backup.missing": ("备份文件不存在：{path}", "The backup file does not exist: {path}"),
    "backup.corrupt": (
        "备份文件已损坏（{reason}），未做任何更改：{path}",
        "The backup file is damaged ({reason}); nothing was changed: {path}",
    ),
    "backup.not_a_till": (
        "这不是收银机的备份文件，未做任何更改：{path}",
        "This is not a till backup; nothing was changed: {path}",
    ),
    "backup.newer_schema": (
        "备份来自更新版本的收银程序（数据结构 {schema}），请先升级：{path}",
        "The backup comes from a newer till version (schema {schema}): upgrade first: {path}",
    ),
    "backup.key_missing": (
        "本机没有该备份的加密密钥（{key_id}），请先从原收银机复制密钥；未做任何更改",
        "This machine lacks the backup's encryption key ({key_id}): copy the secrets from the original till first; nothing was changed",
    ),
    "backup.file_or_auto": (
        "请给出备份文件名，或使用 --auto（二选一）",
        "Give a backup file name or --auto (one of the two)",
    ),
    "backup.daily_exists": ("今天的自动备份已存在", "Today's automatic backup already exists"),
    "backup.written": (
        "备份已写入并校验：{path}（{sales} 笔交易，{events} 个同步事件）",
        "Backup written and verified: {path} ({sales} sales, {events} sync events)",
    ),
    "backup.restored": (
        "已从备份恢复：{path}（{sales} 笔交易）。尚未上传的事件将在下次同步时发送",
        "Restored from {path} ({sales} sales). Events not yet sent go out at the next sync",
    ),
    "backup.previous_kept": (
        "原数据库已保留为：{path}",
        "The previous database was kept as: {path}",
    ),
    "doctor.name_database": ("数据库", "Database"),
    "doctor.name_migrations": ("数据结构版本", "Schema version"),
    "doctor.name_members": ("会员数据", "Member data"),
    "doctor.name_keyring": ("密钥存储", "Secret storage"),
    "doctor.name_hq": ("总部连接", "HQ connection"),
    "doctor.name_zbar": ("条码库 zbar", "zbar library"),
    "doctor.name_camera": ("摄像头", "Camera"),
    "doctor.name_printer": ("小票打印机", "Receipt printer"),
    "doctor.name_disk": ("磁盘空间", "Free disk"),
    "doctor.db_missing": (
        "数据库不存在（尚未初始化）：{path}",
        "No database yet (not initialised): {path}",
    ),
    "doctor.db_corrupt": (
        "数据库已损坏：{error}。请从备份恢复",
        "The database is damaged: {error}. Restore a backup",
    ),
    "doctor.db_ok": ("完整性检查通过", "Integrity check passed"),
    "doctor.skipped_db": ("数据库不可用，无法检查", "Not checked: the database is not usable"),
    "doctor.schema_current": ("已是最新（{current}）", "Current ({current})"),
    "doctor.members_ok": ("本机有 {count} 位会员", "{count} members on this till"),
    "doctor.first_load_unfinished": (
        "首次从总部载入会员尚未完成（已有 {count} 位）：完成前按卡号或手机号查找会员较慢；"
        "请运行 posclient-admin sync",
        "The first load of members from HQ has not finished ({count} so far): until it does, "
        "finding members by card or phone is slower; run posclient-admin sync",
    ),
    "doctor.snapshot_unfinished": (
        "从总部重新载入会员尚未完成（本机 {count} 位）：请运行 posclient-admin sync",
        "A new load of members from HQ has not finished ({count} on this till): run "
        "posclient-admin sync",
    ),
    "doctor.schema_behind": (
        "数据结构 {current} 落后于 {head}，下次启动时自动升级",
        "Schema {current} is behind {head}: upgraded at the next start",
    ),
    "doctor.schema_newer": (
        "数据结构 {current} 比本程序（{head}）新，请升级收银程序",
        "Schema {current} is newer than this program ({head}): upgrade the till",
    ),
    "doctor.keyring_os": ("使用系统钥匙串（{backend}）", "OS keyring ({backend})"),
    "doctor.keyring_file": (
        "未用系统钥匙串（没有可用的，或设置了 POSCLIENT_SECRETS=file）：密钥保存在仅本用户可读的文件中（{path}）",
        "Not in an OS keyring (none available, or POSCLIENT_SECRETS=file): secrets are in "
        "owner-only (0600) files in {path}",
    ),
    "doctor.hq_not_set": ("尚未设置总部地址（未配对）", "No HQ address set (not paired)"),
    "doctor.hq_unreachable": ("无法连接总部 {url}（{code}）", "HQ {url} is unreachable ({code})"),
    "doctor.hq_not_hq": (
        "{url} 有应答，但不是总部服务：请检查总部地址",
        "{url} answers, but not as an HQ: check the address",
    ),
    "doctor.hq_token_unreadable": (
        "总部可连接，但设备令牌文件不可用（见密钥存储一行）",
        "HQ is reachable, but the device token file cannot be used (see the key storage line)",
    ),
    "doctor.secrets_in_data_dir": (
        "密钥文件在数据目录内（会随备份复制），请把 POSCLIENT_SECRETS_DIR 设到数据目录之外：{path}",
        "Secret files are inside the data dir (copied with backups); set POSCLIENT_SECRETS_DIR "
        "outside it: {path}",
    ),
    "doctor.hq_not_paired": (
        "总部可连接，但本机没有设备令牌，请重新配对",
        "HQ is reachable but this till has no device token: pair again",
    ),
    "doctor.hq_token_invalid": (
        "总部拒绝了设备令牌，请重新配对",
        "HQ refused the device token: pair again",
    ),
    "doctor.hq_ok": (
        "总部可连接，设备令牌有效（{url}）",
        "HQ reachable, device token valid ({url})",
    ),
    "doctor.zbar_missing": (
        "找不到 zbar 库，仅用 zxing-cpp 解码（{error}）",
        "zbar library not found; decoding with zxing-cpp only ({error})",
    ),
    "doctor.zbar_ok": ("已找到", "Found"),
    "doctor.camera_none": (
        "未发现摄像头（可用扫码枪）",
        "No camera found (use the barcode scanner)",
    ),
    "doctor.camera_ok": ("发现 {count} 个摄像头", "{count} camera(s) found"),
    "doctor.printer_none": (
        "未设置小票打印机（可打印 PDF）",
        "No receipt printer set (PDF receipts only)",
    ),
    "doctor.printer_ok": ("已设置且可连接：{spec}", "Set and reachable: {spec}"),
    "doctor.printer_usb": (
        "已设置 USB 打印机 {spec}（打印测试页确认）",
        "USB printer {spec} set (print a test page to confirm)",
    ),
    "doctor.printer_unreachable": ("已设置但无法连接：{spec}", "Set but unreachable: {spec}"),
    "doctor.disk_low": ("可用空间不足：{free_mb} MB", "Low free space: {free_mb} MB"),
    "doctor.disk_ok": ("可用 {free_mb} MB", "{free_mb} MB free"),
    "setup.bad_url": (
        "总部地址应以 http:// 或 https:// 开头：{url}",
        "The HQ address must start with http:// or https://: {url}",
    ),
    "setup.bad_store": (
        "门店编码只能包含字母、数字和 -（最多 16 位）：{store}",
        "A store code has letters, digits and - only (max 16): {store}",
    ),
    "setup.store_mismatch": (
        "该配对码属于门店 {paired}，不是 {typed}；已按总部设置为 {paired}",
        "The pairing code belongs to store {paired}, not {typed}: set to {paired} as HQ says",
    ),
    # issue 7: enrolment, profiles, consent, audit, member import
    "enrol.membership_required": (
        "入会需要顾客同意会员服务条款",
        "Enrolment needs the customer's consent to the membership notice",
    ),
    "enrol.guardian_required": (
        "未满 {age} 岁的顾客需要监护人同意",
        "Customers under {age} need a guardian's consent",
    ),
    "enrol.birthday_future": ("生日不能晚于今天", "The birthday cannot be in the future"),
    "enrol.name_too_long": ("姓名过长（最多 {max} 个字）", "Name too long (max {max} characters)"),
    "enrol.field_without_consent": (
        "顾客未同意“{purpose}”用途，不能填写 {field}",
        "The customer has not agreed to “{purpose}”: {field} cannot be entered",
    ),
    "enrol.duplicate_phone": (
        "该手机号已是会员（卡号 {card}）",
        "This phone number already belongs to a member (card {card})",
    ),
    "enrol.invalid": ("会员资料无效（{detail}）", "The member details are not valid ({detail})"),
    "enrol.hq_offline": (
        "总部不可用：只查了本机会员，未查总部",
        "HQ unreachable: checked this till's members only, not HQ's",
    ),
    "profile.not_assigned": (
        "该会员不是分配给您的，只有店长或其专属导购可查看",
        "This member is not assigned to you: only their assistant or a manager may open it",
    ),
    "profile.unknown_field": ("未知的资料项：{field}", "Unknown profile field: {field}"),
    "profile.phone_required": ("手机号不能删除", "The phone number cannot be removed"),
    "profile.invalid": ("资料项无效：{field}", "Not a valid value: {field}"),
    "import.no_file": ("找不到文件：{path}", "File not found: {path}"),
    "import.bad_format": (
        "无法读取导入文件（{detail}）",
        "Cannot read the import file ({detail})",
    ),
    "import.missing_column": (
        "导入文件缺少“{column}”列",
        "The import file has no “{column}” column",
    ),
    # posclient-admin: usage errors found after parsing, re-running init --demo, lost output
    "cli.usage.choice_from": (
        "{what} 的取值无效：{value}（可选：{choices}）",
        "Invalid choice for {what}: {value} (choose from {choices})",
    ),
    "cli.usage.digits": (
        "{what} 的数量只能用数字 0-9 书写，而不是 {value}",
        "{what} takes plain digits 0-9, not {value}",
    ),
    "cli.usage.seconds": (
        "{what} 是秒数：1 到 86400 之间的数字（如 30 或 2.5），而不是 {value}",
        "{what} takes seconds: a number from 1 to 86400 (such as 30 or 2.5), not {value}",
    ),
    "cli.usage.timeout_needs_until_idle": (
        "--timeout 只和 --until-idle 一起使用（单次同步有自己的超时）",
        "--timeout goes with --until-idle (a single pass has its own timeouts)",
    ),
    "cli.usage.bad_item": (
        "--item 的格式应为 SKU 或 SKU:数量，而不是 {item}",
        "--item is SKU or SKU:QTY, not {item}",
    ),
    "cli.usage.line_twice": (
        "--line 重复给出了第 {line} 行：每行只能给一次（数量写在 {line}:数量 里）",
        "--line gives line {line} twice: give each line once (the quantity as {line}:QTY)",
    ),
    "cli.store_from_hq": (
        "本机已与总部配对，门店代码由总部指定（{store}）；要换门店请重新配对",
        "This till is paired: its store code comes from HQ ({store}); pair it again to move it",
    ),
    "cli.demo_on_used_till": (
        "该收银机已有数据，不能再载入演示数据（会覆盖会员、优惠券和员工）；"
        "请用新的 --data-dir：{path}",
        "This till already has data: demo data is not loaded again (it would overwrite "
        "members, coupons and staff); use a new --data-dir: {path}",
    ),
    "cli.output_lost": (
        "无法写出输出：命令可能已经完成，重做之前请先核对",
        "The output could not be written: the command's work may be done, check before "
        "running it again",
    ),
    "cli.output_lost.sale": (
        "销售已完成（小票号 {receipt}），但小票无法写出到输出",
        "The sale is done (receipt {receipt}) but its receipt could not be written to the output",
    ),
    "cli.output_lost.refund": (
        "退货已完成（原小票号 {receipt}），但结果无法写出到输出",
        "The refund is done (receipt {receipt}) but its result could not be written to the output",
    ),
    # posclient-admin: options given twice or empty, a log folder that cannot be written
    "cli.usage.twice": (
        "参数 {what} 只能给一次",
        "{what} can be given only once",
    ),
    "cli.usage.empty": (
        "参数 {what} 的值不能为空",
        "{what} needs a value, not an empty one",
    ),
    "cli.log_unavailable": (
        "无法写入日志文件夹 {path}（{reason}）：本次不写日志文件，命令照常执行",
        "Cannot write the log folder {path} ({reason}): going on without a log file",
    ),
    # why a file or folder could not be written (an OSError, in words)
    "os.denied": ("没有权限", "permission denied"),
    "os.not_a_folder": ("路径上有同名的文件，不是文件夹", "a file is in the way, not a folder"),
    "os.is_a_folder": ("路径上有同名的文件夹，不是文件", "a folder is in the way, not a file"),
    "os.read_only": ("文件系统为只读", "the file system is read-only"),
    "os.disk_full": ("磁盘已满", "the disk is full"),
    "os.name_too_long": ("路径过长", "the path is too long"),
    "os.other": ("系统错误 {error}", "system error {error}"),
    # doctor: the database could not be checked, and why (a full disk is not damage)
    "doctor.db_disk_full": (
        "磁盘已满，无法打开数据库：请清理磁盘空间。这不是数据库损坏，不要从备份恢复（会丢失之后的销售）",
        "The disk is full, so the database cannot be opened: free some space. This is not "
        "damage: do not restore a backup (sales since the backup would be lost)",
    ),
    "doctor.db_io_error": (
        "读取数据库时磁盘出错（{error}）：请先检查磁盘和可用空间；这不表示数据库已损坏，暂勿从备份恢复",
        "A disk error occurred reading the database ({error}): check the disk and its free "
        "space first; this alone does not mean the database is damaged, do not restore a "
        "backup yet",
    ),
    "doctor.db_busy": (
        "数据库正被占用，无法检查：请稍后重试",
        "The database is in use and could not be checked: try again in a moment",
    ),
    "doctor.db_unreadable": (
        "无法打开数据库文件（权限或路径错误）：{path}",
        "Cannot open the database file (permissions or path): {path}",
    ),
    # init --hq: why an address is not one
    "setup.url_bad_port": (
        "总部地址中的端口无效（应为 1–65535）：{url}",
        "The HQ address has an invalid port (it must be 1–65535): {url}",
    ),
    "setup.url_no_host": (
        "总部地址缺少主机名：{url}",
        "The HQ address has no host name: {url}",
    ),
    "setup.url_malformed": (
        "总部地址格式错误（例如 https://hq.example.com）：{url}",
        "The HQ address is malformed (e.g. https://hq.example.com): {url}",
    ),
    # member codes: what a near miss looks like
    "phone.country_code": (
        "这像是带国家码的手机号：请输入 +86 加 11 位手机号，或只输入 11 位手机号",
        "This looks like a mobile number with the country code: type it as +86 and the 11 "
        "digits, or the 11 digits alone",
    ),
    "qr.lowercased": (
        "会员码被读成了小写（扫码枪是否开了大写锁定？）：请关闭大写锁定后重新扫描",
        "The member code was read in lower case (scanner in Caps Lock?): turn Caps Lock off "
        "and scan again",
    ),
}


def current_lang() -> str:
    lang = os.environ.get("POSCLIENT_LANG", "")
    if lang.startswith("en"):
        return "en"
    return DEFAULT_LANG


def normalise_lang(lang: str | None) -> str:
    if lang and lang.lower().startswith("en"):
        return "en"
    if lang and lang.lower().startswith("zh"):
        return "zh_CN"
    return current_lang()


class _Params(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def _render(value: Any, lang: str | None) -> Any:
    from decimal import Decimal

    if isinstance(value, PosError):  # a reason inside a reason (os_reason), in the same language
        return message(value, lang)
    if isinstance(value, Decimal):
        return format_yuan(value)
    if isinstance(value, datetime):  # a moment, as the store's clock shows it
        from posclient.services.clock import DEFAULT_TZ

        return value.astimezone(DEFAULT_TZ).strftime("%Y-%m-%d %H:%M")
    return value


def text(code: str, lang: str | None = None, /, **params: Any) -> str:
    """The message for ``code`` in ``lang``; unknown codes fall back to the code itself."""
    pair = MESSAGES.get(code)
    if pair is None:
        return code
    template = pair[1] if normalise_lang(lang) == "en" else pair[0]
    values = _Params({key: _render(value, lang) for key, value in params.items()})
    return string.Formatter().vformat(template, (), values)


#: errno → why a file or folder could not be made or written, in words (os.* codes).
_OS_REASONS = {
    errno.EACCES: "os.denied",
    errno.EPERM: "os.denied",
    errno.ENOTDIR: "os.not_a_folder",
    errno.EEXIST: "os.not_a_folder",
    errno.EISDIR: "os.is_a_folder",
    errno.EROFS: "os.read_only",
    errno.ENOSPC: "os.disk_full",
    getattr(errno, "EDQUOT", errno.ENOSPC): "os.disk_full",
    errno.ENAMETOOLONG: "os.name_too_long",
}


def os_reason(exc: OSError) -> PosError:
    """Why an OSError happened, as a reason ``text()`` words in the user's language when it is
    a parameter of another message (the OS's own sentence is English whatever the language)."""
    code = _OS_REASONS.get(exc.errno or 0)
    if code:
        return PosError(code)
    name = errno.errorcode.get(exc.errno or 0, type(exc).__name__)
    return PosError("os.other", error=name)


def message(error: PosError, lang: str | None = None) -> str:
    """One line saying what went wrong, in the user's language."""
    return text(error.code, lang, **error.params)


def hq_reason(reason: str | None, detail: str | None = None, lang: str | None = None) -> str:
    """HQ's machine reason for a rejected or conflicting event, in words (its detail if unknown)."""
    if not reason:
        return detail or ""
    code = f"hq.reason.{reason}"
    if code in MESSAGES:
        return text(code, lang)
    return f"{reason}: {detail}" if detail else reason
