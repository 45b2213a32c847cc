<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
<context>
    <name>AuditDialog</name>
    <message>
        <source>Audit log of personal data</source>
        <translation>个人信息访问审计日志</translation>
    </message>
    <message>
        <source>Time</source>
        <translation>时间</translation>
    </message>
    <message>
        <source>Staff</source>
        <translation>员工</translation>
    </message>
    <message>
        <source>Member card</source>
        <translation>会员卡号</translation>
    </message>
    <message>
        <source>Action</source>
        <translation>操作</translation>
    </message>
    <message>
        <source>Fields</source>
        <translation>涉及字段</translation>
    </message>
    <message>
        <source>Queued for HQ</source>
        <translation>已排队上传总部</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>关闭</translation>
    </message>
    <message>
        <source>Enrolled</source>
        <translation>入会</translation>
    </message>
    <message>
        <source>Viewed profile</source>
        <translation>查看资料</translation>
    </message>
    <message>
        <source>Edited profile</source>
        <translation>修改资料</translation>
    </message>
    <message>
        <source>Consent given</source>
        <translation>同意授权</translation>
    </message>
    <message>
        <source>Consent withdrawn</source>
        <translation>撤回授权</translation>
    </message>
    <message>
        <source>Erasure requested</source>
        <translation>已申请注销</translation>
    </message>
    <message>
        <source>Sale cancelled</source>
        <translation>取消交易</translation>
    </message>
    <message>
        <source>Yes</source>
        <translation>是</translation>
    </message>
    <message>
        <source>No</source>
        <translation>否</translation>
    </message>
</context>
<context>
    <name>CameraScanDialog</name>
    <message>
        <source>Scan with the camera</source>
        <translation>摄像头扫码</translation>
    </message>
    <message>
        <source>Camera</source>
        <translation>摄像头</translation>
    </message>
    <message>
        <source>Camera preview</source>
        <translation>摄像头画面</translation>
    </message>
    <message>
        <source>Scan status</source>
        <translation>扫码状态</translation>
    </message>
    <message>
        <source>No camera</source>
        <translation>没有摄像头</translation>
    </message>
    <message>
        <source>No camera found. Connect a camera, or scan the code with the barcode scanner or type the card or phone number.</source>
        <translation>未找到摄像头。请连接摄像头，或用扫码枪扫码，或输入会员卡号或手机号。</translation>
    </message>
    <message>
        <source>Hold the member code or barcode in front of the camera.</source>
        <translation>请将会员码或商品条码对准摄像头。</translation>
    </message>
    <message>
        <source>The camera cannot be used: %1</source>
        <translation>摄像头无法使用：%1</translation>
    </message>
    <message>
        <source>Code read.</source>
        <translation>已识别。</translation>
    </message>
</context>
<context>
    <name>CartTable</name>
    <message>
        <source>Cart</source>
        <translation>购物车</translation>
    </message>
    <message>
        <source>Item</source>
        <translation>商品</translation>
    </message>
    <message>
        <source>Price</source>
        <translation>单价</translation>
    </message>
    <message>
        <source>Qty</source>
        <translation>数量</translation>
    </message>
    <message>
        <source>Discount</source>
        <translation>优惠</translation>
    </message>
    <message>
        <source>Amount</source>
        <translation>金额</translation>
    </message>
    <message>
        <source>List price %1</source>
        <translation>原价 %1</translation>
    </message>
    <message>
        <source>Quantity of line %1</source>
        <translation>第 %1 行数量</translation>
    </message>
</context>
<context>
    <name>CheckoutPage</name>
    <message>
        <source>Scan, or type a phone number, member card or barcode, then Enter</source>
        <extracomment>key → (button attribute, slot name). The key is shown on the button. A sale state is on screen (tests and the benchmark wait for it).</extracomment>
        <translation>扫码，或输入手机号 / 会员卡号 / 商品条码后按回车</translation>
    </message>
    <message>
        <source>Scan or type a code</source>
        <translation>扫码或输入</translation>
    </message>
    <message>
        <source>OK</source>
        <translation>确定</translation>
    </message>
    <message>
        <source>Member</source>
        <translation>会员</translation>
    </message>
    <message>
        <source>Camera</source>
        <translation>摄像头扫码</translation>
    </message>
    <message>
        <source>Quantity</source>
        <translation>改数量</translation>
    </message>
    <message>
        <source>Remove line</source>
        <translation>删除行</translation>
    </message>
    <message>
        <source>Cancel sale</source>
        <translation>取消交易</translation>
    </message>
    <message>
        <source>Refund</source>
        <translation>退货</translation>
    </message>
    <message>
        <source>Reprint</source>
        <translation>重打小票</translation>
    </message>
    <message>
        <source>Pay with points</source>
        <translation>积分抵扣</translation>
    </message>
    <message>
        <source>Points to redeem</source>
        <translation>抵扣积分数</translation>
    </message>
    <message>
        <source>Max</source>
        <translation>最多</translation>
    </message>
    <message>
        <source>Coupon code</source>
        <translation>优惠券码</translation>
    </message>
    <message>
        <source>Apply</source>
        <translation>用券</translation>
    </message>
    <message>
        <source>Remove</source>
        <translation>取消用券</translation>
    </message>
    <message>
        <source>Pay</source>
        <translation>收款</translation>
    </message>
    <message>
        <source>Cart</source>
        <translation>购物车</translation>
    </message>
    <message>
        <source>Identify the member to pay with points</source>
        <translation>识别会员后可用积分抵扣</translation>
    </message>
    <message>
        <source>This member cannot redeem until synced</source>
        <translation>该会员资料尚未同步，暂不能用积分抵扣</translation>
    </message>
    <message>
        <source>Scan items, then choose points</source>
        <translation>先扫商品，再选择积分抵扣</translation>
    </message>
    <message>
        <source>At most %1 points usable now (%2)</source>
        <translation>本单最多可用 %1 积分（%2）</translation>
    </message>
    <message>
        <source>offline limit</source>
        <translation>离线上限</translation>
    </message>
    <message>
        <source>Member %1 · %2</source>
        <translation>会员 %1 · %2</translation>
    </message>
    <message>
        <source>Added %1</source>
        <translation>已加入：%1</translation>
    </message>
    <message>
        <source>Line %1 removed</source>
        <translation>已删除第 %1 行</translation>
    </message>
    <message>
        <source>Paying %1 points (%2)</source>
        <translation>积分抵扣 %1（%2）</translation>
    </message>
    <message>
        <source>No points used</source>
        <translation>不使用积分</translation>
    </message>
    <message>
        <source>Points payment reduced to %1: the bill is smaller now</source>
        <translation>金额变小，积分抵扣已调整为 %1</translation>
    </message>
    <message>
        <source>Coupon %1 applied</source>
        <translation>已使用优惠券 %1</translation>
    </message>
    <message>
        <source>Coupon removed</source>
        <translation>已取消优惠券</translation>
    </message>
    <message>
        <source>Coupon %1 no longer applies and was removed</source>
        <translation>优惠券 %1 已不满足使用条件，已取消</translation>
    </message>
    <message>
        <source>Selling without a member</source>
        <translation>本单不使用会员</translation>
    </message>
    <message>
        <source>Sale %1 completed</source>
        <translation>交易完成，小票号 %1</translation>
    </message>
    <message>
        <source>Sale cancelled</source>
        <translation>交易已取消</translation>
    </message>
    <message>
        <source>Scan the member code, or type the phone number + Enter</source>
        <translation>请扫描会员码，或输入手机号后按回车</translation>
    </message>
    <message>
        <source>Cancel this sale of %1 lines (%2)?</source>
        <translation>确定取消这笔交易吗？共 %1 行（%2）</translation>
    </message>
</context>
<context>
    <name>ConflictsDialog</name>
    <message>
        <source>Conflicts from HQ</source>
        <extracomment>A re-applied edit is in the outbox: the window nudges the sync.</extracomment>
        <translation>总部冲突</translation>
    </message>
    <message>
        <source>Field</source>
        <translation>字段</translation>
    </message>
    <message>
        <source>This till</source>
        <translation>本机的值</translation>
    </message>
    <message>
        <source>HQ (kept)</source>
        <translation>总部的值（已保留）</translation>
    </message>
    <message>
        <source>Changed at</source>
        <translation>修改门店与时间</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>关闭</translation>
    </message>
    <message>
        <source>Mark all information read</source>
        <translation>全部信息标记为已读</translation>
    </message>
    <message>
        <source>Phone</source>
        <translation>手机号</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>姓名</translation>
    </message>
    <message>
        <source>Gender</source>
        <translation>性别</translation>
    </message>
    <message>
        <source>Birthday</source>
        <translation>生日</translation>
    </message>
    <message>
        <source>Preferred categories</source>
        <translation>偏好品类</translation>
    </message>
    <message>
        <source>Receipt %1</source>
        <translation>小票 %1</translation>
    </message>
    <message>
        <source>made %1</source>
        <translation>发生于 %1</translation>
    </message>
    <message>
        <source>coupon %1</source>
        <translation>优惠券 %1</translation>
    </message>
    <message>
        <source>%1 points redeemed</source>
        <translation>抵扣 %1 积分</translation>
    </message>
    <message>
        <source>points booked if the member&apos;s enrolment reaches HQ</source>
        <translation>会员入会信息到达总部后补记积分</translation>
    </message>
    <message>
        <source> · </source>
        <translation>；</translation>
    </message>
    <message>
        <source>%1 to look at</source>
        <translation>待处理 %1 条</translation>
    </message>
    <message>
        <source>No conflicts: HQ agreed with everything this till sent.</source>
        <translation>没有冲突：总部已接受本机上传的全部内容。</translation>
    </message>
    <message>
        <source>%1 — member %2</source>
        <translation>%1 — 会员 %2</translation>
    </message>
    <message>
        <source>HQ</source>
        <translation>总部</translation>
    </message>
    <message>
        <source>For the manager: only they mark it as read.</source>
        <translation>此条供店长查看，由店长标记为已读。</translation>
    </message>
    <message>
        <source>Re-apply this till&apos;s value</source>
        <translation>重新提交本机的值</translation>
    </message>
    <message>
        <source>Keep HQ&apos;s value</source>
        <translation>保留总部的值</translation>
    </message>
    <message>
        <source>Mark as read</source>
        <translation>标记为已读</translation>
    </message>
    <message>
        <source>Sent again: HQ decides when it arrives.</source>
        <translation>已重新提交：以总部收到后的结果为准。</translation>
    </message>
    <message>
        <source>%1 marked as read.</source>
        <translation>已将 %1 条标记为已读。</translation>
    </message>
</context>
<context>
    <name>CrashDialog</name>
    <message>
        <source>Unexpected error</source>
        <translation>程序错误</translation>
    </message>
    <message>
        <source>Something went wrong inside posclient. The sale in progress is kept; try again, and tell support if it happens again.</source>
        <translation>系统内部出错。当前交易已保留，请重试；如再次出现请联系技术支持。</translation>
    </message>
</context>
<context>
    <name>DashboardDialog</name>
    <message>
        <source>Store dashboard</source>
        <translation>门店看板</translation>
    </message>
    <message>
        <source>Store dashboard · %1</source>
        <translation>门店看板 · %1</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>关闭</translation>
    </message>
    <message>
        <source>PNG…</source>
        <translation>导出图片…</translation>
    </message>
    <message>
        <source>CSV…</source>
        <translation>导出 CSV…</translation>
    </message>
    <message>
        <source>Save this chart as a picture</source>
        <translation>将此图表保存为图片</translation>
    </message>
    <message>
        <source>Save this chart&apos;s figures as CSV</source>
        <translation>将此图表的数据保存为 CSV</translation>
    </message>
    <message>
        <source>Loading…</source>
        <translation>正在计算…</translation>
    </message>
    <message>
        <source>Today</source>
        <translation>今日</translation>
    </message>
    <message>
        <source>%1 sales · members %2</source>
        <translation>%1 笔 · 会员占比 %2</translation>
    </message>
    <message>
        <source>Last 30 days</source>
        <translation>近30天</translation>
    </message>
    <message>
        <source>members %1</source>
        <translation>会员占比 %1</translation>
    </message>
    <message>
        <source>No chain figures from HQ yet</source>
        <translation>尚未收到总部的全店数据</translation>
    </message>
    <message>
        <source>Chain members&apos; share of sales (30 days): %1</source>
        <translation>全连锁近30天会员销售占比：%1</translation>
    </message>
    <message>
        <source>Chain (HQ)</source>
        <translation>全连锁（总部）</translation>
    </message>
    <message>
        <source>Online — no HQ figures received yet</source>
        <translation>在线 — 尚未收到总部数据</translation>
    </message>
    <message>
        <source>Online — HQ figures as of %1</source>
        <translation>在线 — 总部数据截至 %1</translation>
    </message>
    <message>
        <source>Offline — figures from this till only, no HQ figures yet</source>
        <translation>离线 — 仅本机数据，尚未收到总部数据</translation>
    </message>
    <message>
        <source>Offline — figures from this till only, HQ figures as of %1</source>
        <translation>离线 — 仅本机数据，总部数据截至 %1</translation>
    </message>
    <message>
        <source>Sales, last 30 days (¥)</source>
        <translation>近30天销售额（元）</translation>
    </message>
    <message>
        <source>New members per day</source>
        <translation>每日新增会员</translation>
    </message>
    <message>
        <source>Points issued vs redeemed</source>
        <translation>积分发放与抵扣</translation>
    </message>
    <message>
        <source>Average ticket by tier, 30 days (¥)</source>
        <translation>各等级客单价，近30天（元）</translation>
    </message>
    <message>
        <source>Repeat-purchase rate (%)</source>
        <translation>复购率（%）</translation>
    </message>
    <message>
        <source>Coupon redemptions, 30 days</source>
        <translation>优惠券核销，近30天</translation>
    </message>
    <message>
        <source>All sales</source>
        <translation>全部销售</translation>
    </message>
    <message>
        <source>Members</source>
        <translation>会员</translation>
    </message>
    <message>
        <source>This store</source>
        <translation>本店</translation>
    </message>
    <message>
        <source>Issued</source>
        <translation>发放</translation>
    </message>
    <message>
        <source>Redeemed</source>
        <translation>抵扣</translation>
    </message>
    <message>
        <source>Repeat rate</source>
        <translation>复购率</translation>
    </message>
    <message>
        <source>Average ticket</source>
        <translation>客单价</translation>
    </message>
    <message>
        <source>Redemptions</source>
        <translation>核销次数</translation>
    </message>
    <message>
        <source>30 days</source>
        <translation>30天</translation>
    </message>
    <message>
        <source>90 days</source>
        <translation>90天</translation>
    </message>
    <message>
        <source>Walk-in</source>
        <translation>非会员</translation>
    </message>
    <message>
        <source>General</source>
        <translation>通用券</translation>
    </message>
    <message>
        <source>First buy</source>
        <translation>首单券</translation>
    </message>
    <message>
        <source>Birthday</source>
        <translation>生日券</translation>
    </message>
    <message>
        <source>Comeback</source>
        <translation>回归券</translation>
    </message>
    <message>
        <source>Export chart</source>
        <translation>导出图表</translation>
    </message>
    <message>
        <source>PNG image (*.png)</source>
        <translation>PNG 图片 (*.png)</translation>
    </message>
    <message>
        <source>CSV file (*.csv)</source>
        <translation>CSV 文件 (*.csv)</translation>
    </message>
    <message>
        <source>Saved %1</source>
        <translation>已保存 %1</translation>
    </message>
</context>
<context>
    <name>EnrolDialog</name>
    <message>
        <source>Enrol a new member</source>
        <extracomment>The card number of the enrolled (or the existing) member, to identify at checkout.</extracomment>
        <translation>办理新会员入会</translation>
    </message>
    <message>
        <source>Customer&apos;s mobile number (required)</source>
        <translation>顾客手机号（必填）</translation>
    </message>
    <message>
        <source>Check</source>
        <translation>查询</translation>
    </message>
    <message>
        <source>Use the existing member</source>
        <translation>使用已有会员</translation>
    </message>
    <message>
        <source>Next: consent</source>
        <translation>下一步：隐私授权</translation>
    </message>
    <message>
        <source>Customer&apos;s language</source>
        <translation>顾客语言</translation>
    </message>
    <message>
        <source>Membership (required)</source>
        <translation>会员服务（必选）</translation>
    </message>
    <message>
        <source>Marketing messages (optional)</source>
        <translation>营销消息（可选）</translation>
    </message>
    <message>
        <source>Personalised offers (optional)</source>
        <translation>个性化推荐（可选）</translation>
    </message>
    <message>
        <source>Sensitive details: birthday (optional, separate)</source>
        <translation>敏感信息：生日（单独同意，可选）</translation>
    </message>
    <message>
        <source>The customer agrees (required)</source>
        <translation>顾客同意（必选）</translation>
    </message>
    <message>
        <source>The customer agrees (leave unticked to decline)</source>
        <translation>顾客同意（不勾选即为不同意）</translation>
    </message>
    <message>
        <source>The customer is under 14</source>
        <translation>顾客未满 14 周岁</translation>
    </message>
    <message>
        <source>A parent or guardian gives consent for them</source>
        <translation>由父母或监护人代为同意</translation>
    </message>
    <message>
        <source>Back</source>
        <translation>返回</translation>
    </message>
    <message>
        <source>Next: details</source>
        <translation>下一步：填写资料</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>姓名</translation>
    </message>
    <message>
        <source>Gender</source>
        <translation>性别</translation>
    </message>
    <message>
        <source>Birthday</source>
        <translation>生日</translation>
    </message>
    <message>
        <source>Preferred categories</source>
        <translation>偏好品类</translation>
    </message>
    <message>
        <source>Given</source>
        <translation>已提供</translation>
    </message>
    <message>
        <source>Not given</source>
        <translation>未提供</translation>
    </message>
    <message>
        <source>Female</source>
        <translation>女</translation>
    </message>
    <message>
        <source>Male</source>
        <translation>男</translation>
    </message>
    <message>
        <source>Other</source>
        <translation>其他</translation>
    </message>
    <message>
        <source>Fresh</source>
        <translation>生鲜</translation>
    </message>
    <message>
        <source>Dairy</source>
        <translation>乳品</translation>
    </message>
    <message>
        <source>Snacks</source>
        <translation>零食</translation>
    </message>
    <message>
        <source>Baby</source>
        <translation>母婴</translation>
    </message>
    <message>
        <source>Household</source>
        <translation>家居</translation>
    </message>
    <message>
        <source>Beauty</source>
        <translation>美妆</translation>
    </message>
    <message>
        <source>Drinks</source>
        <translation>饮料</translation>
    </message>
    <message>
        <source>Grocery</source>
        <translation>粮油</translation>
    </message>
    <message>
        <source>Enrol</source>
        <translation>确认入会</translation>
    </message>
    <message>
        <source>Done</source>
        <translation>完成</translation>
    </message>
    <message>
        <source>Step 1 of 4 · Phone number</source>
        <translation>第 1 步（共 4 步）· 手机号</translation>
    </message>
    <message>
        <source>Step 2 of 4 · Consent</source>
        <translation>第 2 步（共 4 步）· 隐私授权</translation>
    </message>
    <message>
        <source>Step 3 of 4 · Details</source>
        <translation>第 3 步（共 4 步）· 会员资料</translation>
    </message>
    <message>
        <source>Step 4 of 4 · Member code</source>
        <translation>第 4 步（共 4 步）· 会员码</translation>
    </message>
    <message>
        <source>Not a member at this till; asking HQ…</source>
        <translation>本机没有该会员，正在查询总部…</translation>
    </message>
    <message>
        <source>No member has this number: you can enrol the customer.</source>
        <translation>该手机号还不是会员，可以办理入会。</translation>
    </message>
    <message>
        <source>at this till</source>
        <translation>本机</translation>
    </message>
    <message>
        <source>at HQ</source>
        <translation>总部</translation>
    </message>
    <message>
        <source>Already a member (%1): %2 %3, card %4</source>
        <translation>已是会员（%1）：%2 %3，卡号 %4</translation>
    </message>
    <message>
        <source>The notices are shown on the customer&apos;s screen.</source>
        <translation>授权说明已显示在顾客屏上。</translation>
    </message>
    <message>
        <source>Turn the screen to the customer: they read each notice and decide.</source>
        <translation>请将屏幕转向顾客：由顾客阅读每项说明并自行选择。</translation>
    </message>
    <message>
        <source>Fields greyed out need a consent the customer did not give.</source>
        <translation>灰色的资料项需要顾客未同意的授权，不能填写。</translation>
    </message>
    <message>
        <source>Enrolled. The customer can scan or photograph this member code.</source>
        <translation>入会成功。顾客可扫描或拍下此会员码。</translation>
    </message>
</context>
<context>
    <name>FirstRunWizard</name>
    <message>
        <source>Set up this till</source>
        <translation>设置收银机</translation>
    </message>
    <message>
        <source>&lt; Back</source>
        <translation>&lt; 上一步</translation>
    </message>
    <message>
        <source>Next &gt;</source>
        <translation>下一步 &gt;</translation>
    </message>
    <message>
        <source>Finish</source>
        <translation>完成</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
</context>
<context>
    <name>HqPage</name>
    <message>
        <source>Checking…</source>
        <translation>正在检查…</translation>
    </message>
    <message>
        <source>HQ reachable: chain %1, version %2</source>
        <translation>总部可连接：连锁 %1，版本 %2</translation>
    </message>
    <message>
        <source>Head office (HQ)</source>
        <translation>总部</translation>
    </message>
    <message>
        <source>Type the HQ address your administrator gave you, then check it.</source>
        <translation>请输入管理员提供的总部地址，然后检查连接。</translation>
    </message>
    <message>
        <source>HQ address</source>
        <translation>总部地址</translation>
    </message>
    <message>
        <source>Check connection</source>
        <translation>检查连接</translation>
    </message>
</context>
<context>
    <name>LanguagePage</name>
    <message>
        <source>Welcome</source>
        <translation>欢迎</translation>
    </message>
    <message>
        <source>This till is not set up yet. These steps connect it to head office (HQ) and check the printer and the scanner. Choose the language first.</source>
        <translation>这台收银机尚未设置。以下步骤将连接总部，并检查小票打印机和扫码枪。请先选择语言。</translation>
    </message>
    <message>
        <source>Language</source>
        <translation>语言</translation>
    </message>
</context>
<context>
    <name>LoginPage</name>
    <message>
        <source>posclient · log in</source>
        <translation>收银登录</translation>
    </message>
    <message>
        <source>Staff</source>
        <translation>员工</translation>
    </message>
    <message>
        <source>PIN</source>
        <translation>PIN 码</translation>
    </message>
    <message>
        <source>Your PIN</source>
        <translation>请输入 PIN 码</translation>
    </message>
    <message>
        <source>Log in</source>
        <translation>登录</translation>
    </message>
    <message>
        <source>English</source>
        <translation>English</translation>
    </message>
    <message>
        <source>Cashier</source>
        <translation>收银员</translation>
    </message>
    <message>
        <source>Assistant</source>
        <translation>导购</translation>
    </message>
    <message>
        <source>Manager</source>
        <translation>店长</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <source>posclient checkout · %1</source>
        <extracomment>While first-load pages arrive, the status is read again at most this often (seconds). Status bar layout allowances (px): around each widget, and at the bar&apos;s ends. The checkout screen is showing with the scan field focused.</extracomment>
        <translation>收银台 · %1</translation>
    </message>
    <message>
        <source>Switch user</source>
        <translation>换班 / 退出</translation>
    </message>
    <message>
        <source>Settings</source>
        <translation>设置</translation>
    </message>
    <message>
        <source>Dashboard</source>
        <translation>门店看板</translation>
    </message>
    <message>
        <source>Connection and queue</source>
        <translation>网络与上传队列</translation>
    </message>
    <message>
        <source>Queue</source>
        <translation>上传队列</translation>
    </message>
    <message>
        <source>First load from HQ</source>
        <translation>首次从总部载入</translation>
    </message>
    <message>
        <source>Not logged in</source>
        <translation>未登录</translation>
    </message>
    <message>
        <source>Pair again</source>
        <translation>需要重新配对</translation>
    </message>
    <message>
        <source>Pair with HQ</source>
        <translation>需要与总部配对</translation>
    </message>
    <message>
        <source>Online</source>
        <translation>在线</translation>
    </message>
    <message>
        <source>Offline</source>
        <translation>离线</translation>
    </message>
    <message>
        <source>%1 waiting</source>
        <translation>待上传 %1</translation>
    </message>
    <message>
        <source>%1 rejected</source>
        <translation>被拒 %1</translation>
    </message>
    <message>
        <source>synced %1</source>
        <translation>同步于 %1</translation>
    </message>
    <message>
        <source>Last sync %1</source>
        <translation>上次同步 %1</translation>
    </message>
    <message>
        <source>Not paired with HQ: sales are kept on this till</source>
        <translation>尚未与总部配对：交易保存在本机</translation>
    </message>
    <message>
        <source>Never synced</source>
        <translation>从未同步</translation>
    </message>
    <message>
        <source>HQ refused this till&apos;s token (revoked).</source>
        <translation>总部拒绝了本机的令牌（已吊销）。</translation>
    </message>
    <message>
        <source>This till has no device token for HQ.</source>
        <translation>本机没有总部的设备令牌。</translation>
    </message>
    <message>
        <source>A manager must enter a new pairing code in Settings (F10). Sales stay on this till until then.</source>
        <translation>需由店长在“设置”（F10）中输入新的配对码。在此之前，销售数据保存在本机。</translation>
    </message>
    <message>
        <source>Conflicts: %1</source>
        <translation>冲突：%1</translation>
    </message>
    <message>
        <source>Preparing card and phone look-ups</source>
        <translation>正在建立按卡号和手机号查找会员的索引</translation>
    </message>
</context>
<context>
    <name>MemberActions</name>
    <message>
        <source>New member</source>
        <translation>新会员</translation>
    </message>
    <message>
        <source>Profile</source>
        <translation>会员资料</translation>
    </message>
    <message>
        <source>Audit log</source>
        <translation>审计日志</translation>
    </message>
    <message>
        <source>Member profile</source>
        <translation>会员资料</translation>
    </message>
    <message>
        <source>Phone number or member card</source>
        <translation>手机号或会员卡号</translation>
    </message>
</context>
<context>
    <name>MemberPanel</name>
    <message>
        <source>Member</source>
        <translation>会员</translation>
    </message>
    <message>
        <source>Tier</source>
        <translation>等级</translation>
    </message>
    <message>
        <source>Points balance</source>
        <translation>积分余额</translation>
    </message>
    <message>
        <source>Member tags</source>
        <translation>会员标签</translation>
    </message>
    <message>
        <source>Clear ×</source>
        <translation>清除 ×</translation>
    </message>
    <message>
        <source>Sell without this member</source>
        <translation>本单不使用此会员</translation>
    </message>
    <message>
        <source>No member yet: scan the member&apos;s code or type the phone number (F2).</source>
        <translation>未识别会员：请扫描会员码或输入手机号（F2）。</translation>
    </message>
    <message>
        <source>(no name)</source>
        <translation>（无姓名）</translation>
    </message>
    <message>
        <source>%1 points (%2)</source>
        <translation>%1 积分（%2）</translation>
    </message>
    <message>
        <source>Offline: balance not confirmed by HQ</source>
        <translation>离线：积分余额未经总部确认</translation>
    </message>
    <message>
        <source>Offline: balance as of %1</source>
        <translation>离线：积分余额截至 %1</translation>
    </message>
    <message>
        <source>%1 points expire by %2</source>
        <translation>%1 积分将于 %2 前到期</translation>
    </message>
    <message>
        <source>%1 more to reach %2</source>
        <translation>再消费 %1 可升级为%2</translation>
    </message>
    <message>
        <source>Member not synced to this till yet: earns points, cannot redeem</source>
        <translation>会员资料尚未同步到本机：可累积积分，不能抵扣</translation>
    </message>
    <message>
        <source>Points overdrawn at HQ: recovered from future earnings</source>
        <translation>积分已透支：将从以后获得的积分中扣回</translation>
    </message>
    <message>
        <source>Apply coupon %1</source>
        <translation>使用优惠券 %1</translation>
    </message>
    <message>
        <source>%1 off</source>
        <translation>减 %1</translation>
    </message>
    <message>
        <source>%1% off</source>
        <translation>%1% 折扣</translation>
    </message>
    <message>
        <source>%1× points</source>
        <translation>%1 倍积分</translation>
    </message>
    <message>
        <source>min. %1</source>
        <translation>满 %1</translation>
    </message>
    <message>
        <source>until %1</source>
        <translation>至 %1</translation>
    </message>
    <message>
        <source>apply %1</source>
        <translation>使用 %1</translation>
    </message>
    <message>
        <source>★ Birthday on %1</source>
        <translation>★ %1 生日</translation>
    </message>
    <message>
        <source>wish them a happy birthday</source>
        <translation>祝顾客生日快乐</translation>
    </message>
    <message>
        <source>★ New member, first purchase</source>
        <translation>★ 新会员首单</translation>
    </message>
    <message>
        <source>welcome them</source>
        <translation>欢迎新会员</translation>
    </message>
    <message>
        <source>★ Welcome back after a long break</source>
        <translation>★ 久未到店，欢迎回来</translation>
    </message>
    <message>
        <source>★ %1 more to %2</source>
        <translation>★ 再消费 %1 即可升级%2</translation>
    </message>
    <message>
        <source>★ %1 points expire by %2: suggest using them</source>
        <translation>★ %1 积分将于 %2 前过期，建议本单抵扣</translation>
    </message>
</context>
<context>
    <name>PairDialog</name>
    <message>
        <source>Pair with HQ</source>
        <translation>与总部配对</translation>
    </message>
    <message>
        <source>Type the HQ address and a new one-time pairing code from HQ. Sales waiting on this till go to HQ as soon as it is paired.</source>
        <translation>请输入总部地址和总部提供的新一次性配对码。配对成功后，待上传的数据会立即上传。</translation>
    </message>
    <message>
        <source>HQ address</source>
        <translation>总部地址</translation>
    </message>
    <message>
        <source>Pairing code</source>
        <translation>配对码</translation>
    </message>
    <message>
        <source>Pairing with HQ</source>
        <translation>正在与总部配对</translation>
    </message>
    <message>
        <source>Pair</source>
        <translation>配对</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>关闭</translation>
    </message>
    <message>
        <source>HQ refused this till&apos;s token (revoked): nothing is sent until it is paired again.</source>
        <translation>总部拒绝了本机的令牌（已吊销）：重新配对之前，数据不会上传。</translation>
    </message>
    <message>
        <source>This till has no device token: nothing is sent until it is paired again.</source>
        <translation>本机没有设备令牌：重新配对之前，数据不会上传。</translation>
    </message>
    <message>
        <source>This till is paired and HQ accepts it: pair again only when HQ asks for it (HQ replaces this device, and its current token stops working).</source>
        <translation>本机已配对，总部正常接受：仅在总部要求时才重新配对（总部会替换本设备，当前令牌随即失效）。</translation>
    </message>
    <message>
        <source>Type the pairing code</source>
        <translation>请输入配对码</translation>
    </message>
    <message>
        <source>Pairing with HQ…</source>
        <translation>正在与总部配对…</translation>
    </message>
    <message>
        <source>Paired: this till is device %1 of store %2. Sending to HQ…</source>
        <translation>配对成功：本机为门店 %2 的第 %1 号设备。正在上传总部…</translation>
    </message>
</context>
<context>
    <name>PairPage</name>
    <message>
        <source>Type the pairing code</source>
        <translation>请输入配对码</translation>
    </message>
    <message>
        <source>Pairing…</source>
        <translation>正在配对…</translation>
    </message>
    <message>
        <source>Paired: this till is device %1 of store %2</source>
        <translation>配对成功：本机为门店 %2 的第 %1 号设备</translation>
    </message>
    <message>
        <source>Store and pairing</source>
        <translation>门店与配对</translation>
    </message>
    <message>
        <source>Type this store&apos;s code and the one-time pairing code from HQ. The till keeps the key it receives in the system&apos;s secret store.</source>
        <translation>请输入本店门店编码和总部提供的一次性配对码。收银机会把收到的密钥保存在系统的安全存储中。</translation>
    </message>
    <message>
        <source>Store code</source>
        <translation>门店编码</translation>
    </message>
    <message>
        <source>Pairing code</source>
        <translation>配对码</translation>
    </message>
    <message>
        <source>Pair with HQ</source>
        <translation>与总部配对</translation>
    </message>
</context>
<context>
    <name>PrinterPage</name>
    <message>
        <source>No printer set: receipts can be saved as PDF</source>
        <translation>未设置打印机：小票可保存为 PDF</translation>
    </message>
    <message>
        <source>Test receipt sent: check that it printed</source>
        <translation>测试小票已发送：请确认已打印</translation>
    </message>
    <message>
        <source>Receipt printer</source>
        <translation>小票打印机</translation>
    </message>
    <message>
        <source>Set the receipt printer and print a test receipt, or leave it for later.</source>
        <translation>设置小票打印机并打印一张测试小票，也可以以后再设置。</translation>
    </message>
    <message>
        <source>Printer (ESC/POS)</source>
        <translation>打印机（ESC/POS）</translation>
    </message>
    <message>
        <source>usb:04b8:0202, network:192.168.1.50 or file:/dev/usb/lp0; empty for none</source>
        <translation>usb:04b8:0202、network:192.168.1.50 或 file:/dev/usb/lp0；留空表示不使用</translation>
    </message>
    <message>
        <source>Print test receipt</source>
        <translation>打印测试小票</translation>
    </message>
</context>
<context>
    <name>ProfileDialog</name>
    <message>
        <source>Member profile</source>
        <extracomment>A change went into the outbox (profile edit, consent, erasure): worth sending now.</extracomment>
        <translation>会员资料</translation>
    </message>
    <message>
        <source>Details and consent</source>
        <translation>资料与授权</translation>
    </message>
    <message>
        <source>Purchases</source>
        <translation>购买记录</translation>
    </message>
    <message>
        <source>Points</source>
        <translation>积分</translation>
    </message>
    <message>
        <source>Mobile</source>
        <translation>手机号</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>姓名</translation>
    </message>
    <message>
        <source>Gender</source>
        <translation>性别</translation>
    </message>
    <message>
        <source>Birthday (YYYY-MM-DD)</source>
        <translation>生日（年-月-日）</translation>
    </message>
    <message>
        <source>Preferred categories</source>
        <translation>偏好品类</translation>
    </message>
    <message>
        <source>Not given</source>
        <translation>未提供</translation>
    </message>
    <message>
        <source>Female</source>
        <translation>女</translation>
    </message>
    <message>
        <source>Male</source>
        <translation>男</translation>
    </message>
    <message>
        <source>Other</source>
        <translation>其他</translation>
    </message>
    <message>
        <source>Save changes</source>
        <translation>保存修改</translation>
    </message>
    <message>
        <source>Consent (untick to withdraw: the data goes at once)</source>
        <translation>授权（取消勾选即撤回，相关信息立即删除）</translation>
    </message>
    <message>
        <source>Marketing messages</source>
        <translation>营销消息</translation>
    </message>
    <message>
        <source>Personalised offers (gender, preferred categories)</source>
        <translation>个性化推荐（性别、偏好品类）</translation>
    </message>
    <message>
        <source>Sensitive details (birthday)</source>
        <translation>敏感信息（生日）</translation>
    </message>
    <message>
        <source>Click again to confirm the erasure</source>
        <translation>再次点击确认注销</translation>
    </message>
    <message>
        <source>Close membership and erase data</source>
        <translation>注销会员并删除个人信息</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>关闭</translation>
    </message>
    <message>
        <source>Time</source>
        <translation>时间</translation>
    </message>
    <message>
        <source>Receipt</source>
        <translation>小票号</translation>
    </message>
    <message>
        <source>Paid</source>
        <translation>实付</translation>
    </message>
    <message>
        <source>Movement</source>
        <translation>变动</translation>
    </message>
    <message>
        <source>Expires</source>
        <translation>到期日</translation>
    </message>
    <message>
        <source> · masked (cashier view)</source>
        <translation> · 已脱敏（收银员视图）</translation>
    </message>
    <message>
        <source>Card %1 · %2 purchases</source>
        <translation>卡号 %1 · 消费 %2 次</translation>
    </message>
    <message>
        <source>Earned</source>
        <translation>获得</translation>
    </message>
    <message>
        <source>Redeemed</source>
        <translation>抵扣</translation>
    </message>
    <message>
        <source>Balance at HQ</source>
        <translation>总部确认余额</translation>
    </message>
    <message>
        <source>Refund: points back</source>
        <translation>退货：退回积分</translation>
    </message>
    <message>
        <source>Refund: earned points taken back</source>
        <translation>退货：扣回所得积分</translation>
    </message>
    <message>
        <source> (not synced)</source>
        <translation>（未同步）</translation>
    </message>
    <message>
        <source>Saved: %1</source>
        <translation>已保存：%1</translation>
    </message>
    <message>
        <source>, </source>
        <translation>、</translation>
    </message>
    <message>
        <source>No changes</source>
        <translation>没有修改</translation>
    </message>
    <message>
        <source>Birthday</source>
        <translation>生日</translation>
    </message>
    <message>
        <source>Consent recorded</source>
        <translation>授权已记录</translation>
    </message>
    <message>
        <source>Erasure requested</source>
        <translation>已申请注销</translation>
    </message>
</context>
<context>
    <name>QueueDialog</name>
    <message>
        <source>Sync queue</source>
        <extracomment>The user asked for a sync pass now.</extracomment>
        <translation>上传队列</translation>
    </message>
    <message>
        <source>No.</source>
        <translation>序号</translation>
    </message>
    <message>
        <source>What</source>
        <translation>内容</translation>
    </message>
    <message>
        <source>State</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>Time</source>
        <translation>时间</translation>
    </message>
    <message>
        <source>Reason</source>
        <translation>原因</translation>
    </message>
    <message>
        <source>Events waiting for HQ or rejected by HQ</source>
        <translation>等待上传或被总部拒绝的记录</translation>
    </message>
    <message>
        <source>Sync now</source>
        <translation>立即同步</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>关闭</translation>
    </message>
    <message>
        <source>This till must be paired with HQ again before anything is sent: a manager enters a new pairing code in Settings (F10).</source>
        <translation>本机需要重新与总部配对才能上传：请店长在“设置”（F10）中输入新的配对码。</translation>
    </message>
    <message>
        <source>Not sent: pair this till with HQ again first (a manager, Settings F10).</source>
        <translation>未上传：请先重新与总部配对（店长，设置 F10）。</translation>
    </message>
    <message>
        <source>Syncing with HQ…</source>
        <translation>正在与总部同步…</translation>
    </message>
    <message>
        <source>Synced with HQ.</source>
        <translation>已与总部同步。</translation>
    </message>
    <message>
        <source>Waiting</source>
        <translation>等待上传</translation>
    </message>
    <message>
        <source>Rejected by HQ</source>
        <translation>被总部拒绝</translation>
    </message>
    <message>
        <source>Nothing is waiting: HQ has everything.</source>
        <translation>没有待上传的记录：总部已全部收到。</translation>
    </message>
    <message>
        <source>%1 waiting for HQ, %2 rejected (kept here, never dropped).</source>
        <translation>%1 条等待上传，%2 条被拒绝（保留在本机，不会丢弃）。</translation>
    </message>
    <message>
        <source>Held back: this till must be paired with HQ again</source>
        <translation>暂缓上传：本机需要重新与总部配对</translation>
    </message>
    <message>
        <source>Not sent yet (%1 attempts)</source>
        <translation>尚未送达（已尝试 %1 次）</translation>
    </message>
    <message>
        <source>HQ unreachable: sent by itself when HQ answers</source>
        <translation>总部暂时无法连接：恢复后自动上传</translation>
    </message>
</context>
<context>
    <name>Receipt</name>
    <message>
        <source>*** REPRINT ***</source>
        <translation>*** 重打小票 ***</translation>
    </message>
    <message>
        <source>Receipt no.</source>
        <translation>小票号</translation>
    </message>
    <message>
        <source>Time</source>
        <translation>时间</translation>
    </message>
    <message>
        <source>Cashier</source>
        <translation>收银员</translation>
    </message>
    <message>
        <source>Subtotal</source>
        <translation>商品合计</translation>
    </message>
    <message>
        <source>Member prices</source>
        <translation>会员价优惠</translation>
    </message>
    <message>
        <source>Tier discount</source>
        <translation>等级折扣</translation>
    </message>
    <message>
        <source>Coupon</source>
        <translation>优惠券</translation>
    </message>
    <message>
        <source>Paid with %1 points</source>
        <translation>积分抵扣 %1 分</translation>
    </message>
    <message>
        <source>Amount due</source>
        <translation>应付金额</translation>
    </message>
    <message>
        <source>Member</source>
        <translation>会员</translation>
    </message>
    <message>
        <source>Points earned</source>
        <translation>本单获得积分</translation>
    </message>
    <message>
        <source>Points balance</source>
        <translation>积分余额</translation>
    </message>
    <message>
        <source>Points are provisional until the member is synced</source>
        <translation>会员资料同步前，积分为临时累积</translation>
    </message>
    <message>
        <source>Recorded offline; sent to HQ when the till is back online</source>
        <translation>离线交易，联网后自动上传总部</translation>
    </message>
    <message>
        <source>Thank you for shopping with us</source>
        <translation>谢谢惠顾，欢迎再次光临</translation>
    </message>
</context>
<context>
    <name>ReceiptDialog</name>
    <message>
        <source>Receipt %1</source>
        <translation>小票 %1</translation>
    </message>
    <message>
        <source>Receipt</source>
        <translation>小票</translation>
    </message>
    <message>
        <source>Print</source>
        <translation>打印</translation>
    </message>
    <message>
        <source>Save as PDF</source>
        <translation>存为 PDF</translation>
    </message>
    <message>
        <source>Receipt printer</source>
        <translation>小票机打印</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>关闭</translation>
    </message>
    <message>
        <source>Save receipt as PDF</source>
        <translation>将小票存为 PDF</translation>
    </message>
    <message>
        <source>Saved %1</source>
        <translation>已保存：%1</translation>
    </message>
    <message>
        <source>Sent to the printer</source>
        <translation>已发送到打印机</translation>
    </message>
    <message>
        <source>Printed on the receipt printer</source>
        <translation>小票机已打印</translation>
    </message>
</context>
<context>
    <name>RefundDialog</name>
    <message>
        <source>Refund</source>
        <translation>退货</translation>
    </message>
    <message>
        <source>Receipt number, e.g. S001-0000-0000001</source>
        <translation>小票号，例如 S001-0000-0000001</translation>
    </message>
    <message>
        <source>Receipt number</source>
        <translation>小票号</translation>
    </message>
    <message>
        <source>Find</source>
        <translation>查找</translation>
    </message>
    <message>
        <source>Reason for the refund</source>
        <translation>退货原因</translation>
    </message>
    <message>
        <source>Reason</source>
        <translation>原因</translation>
    </message>
    <message>
        <source>Refund selected</source>
        <translation>退所选商品</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>关闭</translation>
    </message>
    <message>
        <source>Item</source>
        <translation>商品</translation>
    </message>
    <message>
        <source>Sold</source>
        <translation>已售</translation>
    </message>
    <message>
        <source>Refunded</source>
        <translation>已退</translation>
    </message>
    <message>
        <source>Refund qty</source>
        <translation>退货数量</translation>
    </message>
    <message>
        <source>Scan or type the receipt number of the sale.</source>
        <translation>请扫描或输入原交易的小票号。</translation>
    </message>
    <message>
        <source>Receipt %1 · %2 · paid %3</source>
        <translation>小票 %1 · %2 · 实付 %3</translation>
    </message>
</context>
<context>
    <name>ScannerPage</name>
    <message>
        <source>Scanner works</source>
        <translation>扫码枪工作正常</translation>
    </message>
    <message>
        <source>Member card: %1</source>
        <translation>会员卡：%1</translation>
    </message>
    <message>
        <source>Phone number: %1</source>
        <translation>手机号：%1</translation>
    </message>
    <message>
        <source>Product code: %1</source>
        <translation>商品条码：%1</translation>
    </message>
    <message>
        <source>Member QR code: card %1</source>
        <translation>会员二维码：卡号 %1</translation>
    </message>
    <message>
        <source>Member dynamic QR code</source>
        <translation>会员动态二维码</translation>
    </message>
    <message>
        <source>Scanner</source>
        <translation>扫码枪</translation>
    </message>
    <message>
        <source>Scan any barcode or member code (or type one and press Enter): the till shows what it read.</source>
        <translation>请扫描任意条码或会员码（或手动输入后按回车），收银机会显示读到的内容。</translation>
    </message>
    <message>
        <source>Test scan</source>
        <translation>测试扫码</translation>
    </message>
</context>
<context>
    <name>SettingsDialog</name>
    <message>
        <source>Settings</source>
        <translation>设置</translation>
    </message>
    <message>
        <source>Language</source>
        <translation>语言</translation>
    </message>
    <message>
        <source>Receipt printer (ESC/POS)</source>
        <translation>小票打印机（ESC/POS）</translation>
    </message>
    <message>
        <source>Scanner prefix</source>
        <translation>扫码枪前缀</translation>
    </message>
    <message>
        <source>Scanner suffix</source>
        <translation>扫码枪后缀</translation>
    </message>
    <message>
        <source>Max. gap between scanner keys (ms)</source>
        <translation>扫码按键最大间隔（毫秒）</translation>
    </message>
    <message>
        <source>Shortest scan (characters)</source>
        <translation>最短扫码长度（字符）</translation>
    </message>
    <message>
        <source>HQ address</source>
        <translation>总部地址</translation>
    </message>
    <message>
        <source>Store code</source>
        <translation>门店编码</translation>
    </message>
    <message>
        <source>usb:04b8:0202, network:192.168.1.50 or file:/dev/usb/lp0; empty for none</source>
        <translation>usb:04b8:0202、network:192.168.1.50 或 file:/dev/usb/lp0；留空表示不使用</translation>
    </message>
    <message>
        <source>Pair with HQ…</source>
        <translation>与总部配对…</translation>
    </message>
    <message>
        <source>Enter a new pairing code from HQ when HQ refused this till&apos;s token</source>
        <translation>总部拒绝本机令牌时，在此输入总部的新配对码</translation>
    </message>
    <message>
        <source>Save</source>
        <translation>保存</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
</context>
<context>
    <name>SyncEvents</name>
    <message>
        <source>Sale</source>
        <translation>销售</translation>
    </message>
    <message>
        <source>Refund</source>
        <translation>退货</translation>
    </message>
    <message>
        <source>Enrolment</source>
        <translation>会员注册</translation>
    </message>
    <message>
        <source>Profile edit</source>
        <translation>资料修改</translation>
    </message>
    <message>
        <source>Consent decision</source>
        <translation>同意记录</translation>
    </message>
    <message>
        <source>Erasure request</source>
        <translation>注销申请</translation>
    </message>
    <message>
        <source>Audit record</source>
        <translation>审计记录</translation>
    </message>
    <message>
        <source>Opening points balance</source>
        <translation>期初积分</translation>
    </message>
</context>
<context>
    <name>TotalsPanel</name>
    <message>
        <source>Subtotal</source>
        <translation>商品合计</translation>
    </message>
    <message>
        <source>Member prices</source>
        <translation>会员价优惠</translation>
    </message>
    <message>
        <source>Tier discount</source>
        <translation>等级折扣</translation>
    </message>
    <message>
        <source>Coupon</source>
        <translation>优惠券</translation>
    </message>
    <message>
        <source>Points</source>
        <translation>积分抵扣</translation>
    </message>
    <message>
        <source>Amount due</source>
        <translation>应付金额</translation>
    </message>
    <message>
        <source>Points to earn</source>
        <translation>本单可得积分</translation>
    </message>
    <message>
        <source>%1 pts  %2</source>
        <translation>%1 分  %2</translation>
    </message>
</context>
<context>
    <name>VoidDialog</name>
    <message>
        <source>Cancel the sale</source>
        <translation>取消交易</translation>
    </message>
    <message>
        <source>Choose a reason…</source>
        <translation>选择原因…</translation>
    </message>
    <message>
        <source>Customer changed their mind</source>
        <translation>顾客不要了</translation>
    </message>
    <message>
        <source>Wrong items scanned</source>
        <translation>商品扫错</translation>
    </message>
    <message>
        <source>Price disagreement</source>
        <translation>价格有异议</translation>
    </message>
    <message>
        <source>Payment failed</source>
        <translation>支付失败</translation>
    </message>
    <message>
        <source>Reason (required)</source>
        <translation>原因（必填）</translation>
    </message>
    <message>
        <source>Reason</source>
        <translation>原因</translation>
    </message>
    <message>
        <source>Cancel sale</source>
        <translation>取消交易</translation>
    </message>
    <message>
        <source>Keep selling</source>
        <translation>继续收银</translation>
    </message>
</context>
</TS>
