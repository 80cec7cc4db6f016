"""Every error code the API can answer: its Chinese message and the FAQ entry explaining it.

Messages use the FAQ's own words where the FAQ has them
(`shared/seed`: 考试云平台常见问题及解决方案).
"""

from __future__ import annotations

from typing import NamedTuple


class CatalogueEntry(NamedTuple):
    message: str
    faq: int | None


CATALOGUE: dict[str, CatalogueEntry] = {
    # Accounts and login
    "INVALID_CREDENTIALS": CatalogueEntry(
        "用户名或密码错误。默认密码为身份证号后6位（字母请大写），证件号中有()的默认密码为123456；"
        "如修改过密码或仍无法登录，请与学校老师联系重置密码",
        12,
    ),
    "LOGIN_RATE_LIMITED": CatalogueEntry(
        "登录失败次数过多，请稍后再试，或与学校老师联系重置密码", 1
    ),
    "RATE_LIMITED": CatalogueEntry("请求过于频繁，请稍后再试", None),
    "TOKEN_MISSING": CatalogueEntry("请先登录", None),
    "TOKEN_INVALID": CatalogueEntry("登录已失效，请重新登录", None),
    "TOKEN_EXPIRED": CatalogueEntry("登录已过期，请重新登录", None),
    "SESSION_ENDED": CatalogueEntry(
        "登录已失效（已退出登录、密码已修改或已由老师重置），请重新登录", None
    ),
    "SESSION_STORE_UNAVAILABLE": CatalogueEntry("服务暂时不可用，未能结束登录，请稍后重试", None),
    "FORBIDDEN": CatalogueEntry("没有权限执行此操作", None),
    "WRONG_OLD_PASSWORD": CatalogueEntry("原密码错误", 12),
    "WEAK_PASSWORD": CatalogueEntry("新密码至少8位，且不能与默认密码相同", None),
    "USERNAME_TAKEN": CatalogueEntry("用户名已存在", None),
    # Environment check (FAQ 2, 24, 25)
    "REMOTE_ASSIST_DETECTED": CatalogueEntry(
        "请关闭QQ等远程协助工具，诚信考试。请退出网考程序，关闭QQ、TeamViewer等协助工具，"
        "或重启电脑，再进入网考程序",
        2,
    ),
    "ENV_REMOTE_CONTROL": CatalogueEntry(
        "系统检测出错(e-01)，请退出程序后重试。e-01为远程控制检测，请退出程序重新登录", 24
    ),
    "ENV_VIRTUAL_DEVICE": CatalogueEntry(
        "系统检测出错(e-02)，请退出程序后重试。e-02为虚拟设备检测，请退出程序重新登录；"
        "如果还不能解决，请在C:\\Windows\\SysWOW64中找到cmd.exe，复制到C:\\Windows\\System32文件夹下",
        25,
    ),
    "CLIENT_TOO_OLD": CatalogueEntry("考生端版本过低，请下载安装最新版本后再登录", 23),
    # Schools, students, catalogue
    "SCHOOL_EXISTS": CatalogueEntry("学校名称已存在", None),
    "STUDENT_EXISTS": CatalogueEntry("该学号或证件号在本校已存在", None),
    "INVALID_ID_NUMBER": CatalogueEntry("证件号格式不正确", 13),
    "BATCH_EXISTS": CatalogueEntry("考试批名称已存在", None),
    "COURSE_EXISTS": CatalogueEntry("课程代码已存在", None),
    "EXAM_EXISTS": CatalogueEntry("该考试批中此课程的考试已存在", None),
    "INVALID_EXAM_WINDOW": CatalogueEntry("考试结束时间必须晚于开始时间", None),
    "EXAM_NOT_OPEN": CatalogueEntry(
        "考试当前不可进入（以服务器北京时间为准），请核对电脑的时间是否与北京时间一致", 4
    ),
    "NOT_ENROLLED": CatalogueEntry(
        "您未报名该考试，请与学校老师联系。未进行考试报名的考生，或错过考试时间，进入系统后是看不到考试的课程",
        11,
    ),
    "IMPORT_EMPTY": CatalogueEntry("导入文件中没有数据行", None),
    "IMPORT_BAD_HEADER": CatalogueEntry("导入文件缺少表头：学号、证件号、姓名", None),
    "IMPORT_BAD_FILE": CatalogueEntry(
        "无法读取导入文件，请上传 CSV（UTF-8 或 GBK）或 XLSX 文件", None
    ),
    "IMPORT_TOO_MANY_ROWS": CatalogueEntry("导入文件行数过多，请分批导入", None),
    # Question bank and paper rules (FAQ 14)
    "INVALID_QUESTION": CatalogueEntry("题目格式不正确", None),
    "QUESTION_IMPORT_BAD_FILE": CatalogueEntry("无法读取题目文件，请上传 JSON 或 XLSX 文件", None),
    "QUESTION_IMPORT_BAD_HEADER": CatalogueEntry("题目表格缺少表头：题型、题干、答案、分值", None),
    "PAPER_RULE_INVALID": CatalogueEntry("调卷规则无法满足：题库中的题目数量不足", 14),
    "PAPER_RULE_MISSING": CatalogueEntry("调取试卷失败，请与老师联系", 14),
    # Attempts (FAQ 10, 15, 16, 17)
    "ATTEMPT_SUBMITTED": CatalogueEntry(
        "本场考试已交卷，不能继续作答。断电断网超过30分钟或考试结束时系统会自动交卷，成绩仍然有效",
        10,
    ),
    "ATTEMPT_MOVED": CatalogueEntry(
        "本场考试已在另一台电脑上继续作答，本机的作答不再保存；如需在本机作答，请重新进入考试", 10
    ),
    "DEADLINE_PASSED": CatalogueEntry("考试时间已到，系统会自动交卷，已保存的答案有效", 16),
    "QUESTION_NOT_FOUND": CatalogueEntry("试题不存在，请通过上一题、下一题重新获取试题", 15),
    "INVALID_ANSWER": CatalogueEntry("答案格式与题型不符", None),
    "NOT_MARKABLE": CatalogueEntry("只有简答题和拍照题需要老师评分", None),
    "MARK_OUT_OF_RANGE": CatalogueEntry("评分不能小于0或超过该题分值", None),
    "NOT_SUBMITTED": CatalogueEntry("考生尚未交卷，不能评分", None),
    # Generic HTTP-level errors
    "BAD_REQUEST": CatalogueEntry("请求格式错误", None),
    "VALIDATION_ERROR": CatalogueEntry("提交的数据有误，请检查后重试", None),
    "NOT_FOUND": CatalogueEntry("请求的资源不存在", None),
    "METHOD_NOT_ALLOWED": CatalogueEntry("不支持该请求方法", None),
    "UPLOAD_TOO_LARGE": CatalogueEntry("上传的文件过大", 21),
    "UNSUPPORTED_MEDIA_TYPE": CatalogueEntry("不支持的内容类型", None),
    # Photo uploads (FAQ 21)
    "UNSUPPORTED_IMAGE": CatalogueEntry(
        "仅支持 JPG、PNG、WebP、HEIC 格式的照片，文件也可能已损坏；"
        "请重新拍照或从相册选择照片后再上传",
        21,
    ),
    "IMAGE_TOO_LARGE": CatalogueEntry(
        "照片像素过多，无法处理：请用手机或电脑摄像头直接拍照后上传；"
        "截图、PNG 等格式的图片请先缩小尺寸再上传",
        21,
    ),
    "UPLOAD_RATE_LIMITED": CatalogueEntry(
        "上传过于频繁，请稍后再试（人脸识别、监考抓拍和拍照上传每位考生都有次数限制）", None
    ),
    "PHOTO_SAVE_FAILED": CatalogueEntry("照片保存失败，请检查网络后重新上传", 9),
    "ZIP_BAD_FILE": CatalogueEntry("无法读取压缩包，请上传 ZIP 文件，照片以“学号.jpg”命名", 8),
    "ZIP_TOO_MANY_FILES": CatalogueEntry("压缩包中的照片过多，请分批上传", 8),
    # Face checks and base photos (FAQ 6, 7, 8, 9)
    "FACE_CHECK_REQUIRED": CatalogueEntry(
        "请先完成人脸识别再进入考试：确定电脑有摄像头并且可用，识别时参照提示进行坐姿、光线的调整",
        7,
    ),
    "CAPTURE_SAVE_FAILED": CatalogueEntry(
        "抓拍照片保存失败：考生的网络环境不好，抓拍的相片不能进行认证，请确认网络情况，退出后再进入重试",
        9,
    ),
    "REQUEST_DECIDED": CatalogueEntry("该底照申请已经处理过了", None),
    "REQUEST_NOT_READY": CatalogueEntry("申请的照片仍在处理中，请稍后再审核", None),
    "BASE_PHOTO_UNUSABLE": CatalogueEntry(
        "该照片中没有一张清晰的人脸，不能作为底照，请驳回并让学生重新上传", 7
    ),
    # Proctoring review (FAQ 18)
    "REVIEW_NOT_PENDING": CatalogueEntry("该考试记录不在待审核状态", 18),
    # The phone companion (FAQ 21, 22)
    "QUESTION_TAKES_NO_PHOTO": CatalogueEntry("该题不需要拍照上传", 22),
    "PAIRING_NOT_FOUND": CatalogueEntry("二维码无效，请在电脑上切换题目或刷新后重新扫码", 22),
    "PAIRING_EXPIRED": CatalogueEntry("二维码已过期，请在电脑上刷新二维码后重新扫码", 22),
    "PAIRING_USED": CatalogueEntry(
        "该二维码已被其他手机使用，请在电脑上刷新二维码后用本人手机扫码", 22
    ),
    "PAIRING_WRONG_PURPOSE": CatalogueEntry("该二维码不能用于此操作，请重新扫码", 22),
    "PAIRING_ENDED": CatalogueEntry(
        "手机与电脑的连接已解除，无法继续上传；如需上传，请在电脑上刷新二维码后重新扫码", 22
    ),
    "PHONE_IN_USE": CatalogueEntry(
        "这台手机已在本场考试中为其他考生使用，一台手机只能服务一名考生", 22
    ),
    "WEB_COMPANION_DISABLED": CatalogueEntry(
        "本校要求使用微信扫码上传：请打开微信，用“扫一扫”扫描电脑屏幕上的二维码", 22
    ),
    "WECHAT_NOT_CONFIGURED": CatalogueEntry(
        "学校尚未配置微信小程序，请使用电脑端扫码链接或与老师联系", None
    ),
    "WECHAT_CODE_INVALID": CatalogueEntry("微信登录凭证无效，请重新打开小程序", None),
    "WECHAT_CODE_USED": CatalogueEntry("微信登录凭证已使用，请重新打开小程序", None),
    "WECHAT_RATE_LIMITED": CatalogueEntry("微信登录过于频繁，请稍后再试", None),
    "WECHAT_BUSY": CatalogueEntry("微信服务繁忙，请稍后再试", None),
    "WECHAT_UNAVAILABLE": CatalogueEntry("暂时无法连接微信服务，请稍后再试", None),
    "WECHAT_PAGE_INVALID": CatalogueEntry("小程序码页面配置有误，请联系网考管理人员", None),
    "WECHAT_ERROR": CatalogueEntry("微信服务返回错误，请稍后再试", None),
    "SERVICE_UNAVAILABLE": CatalogueEntry("服务暂时不可用，请稍后重试", None),
    "INTERNAL_ERROR": CatalogueEntry(
        "服务器内部错误，请稍后重试；如仍有问题请联系网考管理人员", None
    ),
}


def lookup(code: str) -> CatalogueEntry:
    return CATALOGUE[code]
